package org.llmgine.bus.store.jdbc;

import java.io.PrintWriter;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.logging.Logger;
import javax.sql.DataSource;

/** A data source whose connections wait while its gate is shut, or fail while it is down: a database that stalls or goes away, on demand. */
final class GatedDataSource implements DataSource {

    private final DataSource delegate;
    private volatile CountDownLatch gate = new CountDownLatch(0);
    private volatile boolean down;

    GatedDataSource(DataSource delegate) {
        this.delegate = delegate;
    }

    void shut() {
        gate = new CountDownLatch(1);
    }

    void open() {
        gate.countDown();
    }

    /** Makes every connection attempt fail, as a database that went away, until {@link #up()}. */
    void down() {
        down = true;
    }

    void up() {
        down = false;
    }

    private void pass() throws SQLException {
        if (down) {
            throw new SQLException("the test took the database down", "08001");
        }
        try {
            if (!gate.await(30, TimeUnit.SECONDS)) {
                throw new SQLException("the test's gate stayed shut for 30 s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SQLException("interrupted at the gate", e);
        }
    }

    @Override
    public Connection getConnection() throws SQLException {
        pass();
        return delegate.getConnection();
    }

    @Override
    public Connection getConnection(String username, String password) throws SQLException {
        pass();
        return delegate.getConnection(username, password);
    }

    @Override
    public PrintWriter getLogWriter() throws SQLException {
        return delegate.getLogWriter();
    }

    @Override
    public void setLogWriter(PrintWriter out) throws SQLException {
        delegate.setLogWriter(out);
    }

    @Override
    public void setLoginTimeout(int seconds) throws SQLException {
        delegate.setLoginTimeout(seconds);
    }

    @Override
    public int getLoginTimeout() throws SQLException {
        return delegate.getLoginTimeout();
    }

    @Override
    public Logger getParentLogger() throws SQLFeatureNotSupportedException {
        return delegate.getParentLogger();
    }

    @Override
    public <T> T unwrap(Class<T> iface) throws SQLException {
        return delegate.unwrap(iface);
    }

    @Override
    public boolean isWrapperFor(Class<?> iface) throws SQLException {
        return delegate.isWrapperFor(iface);
    }
}
