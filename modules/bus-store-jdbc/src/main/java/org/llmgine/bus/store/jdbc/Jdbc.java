package org.llmgine.bus.store.jdbc;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;

/**
 * The few JDBC moves the stores make, each on a connection of its own from the data source (so a
 * pool serves them), closed before it returns: an update, a query, and a transaction.
 */
final class Jdbc {

    /** Sets a statement's parameters. */
    @FunctionalInterface
    interface Binder {
        void bind(PreparedStatement statement) throws SQLException;
    }

    /** Reads one row. */
    @FunctionalInterface
    interface RowMapper<T> {
        T map(ResultSet row) throws SQLException;
    }

    /** Work done in one transaction on one connection. */
    @FunctionalInterface
    interface Transaction<T> {
        T run(Connection connection) throws SQLException;
    }

    private final DataSource dataSource;
    /** Transactions at READ COMMITTED (MariaDB: InnoDB's default REPEATABLE READ takes gap locks that deadlock claimers). */
    private final boolean readCommitted;

    Jdbc(DataSource dataSource, Dialect dialect) {
        this.dataSource = Objects.requireNonNull(dataSource, "dataSource");
        this.readCommitted = dialect == Dialect.MARIADB;
    }

    DataSource dataSource() {
        return dataSource;
    }

    /**
     * Runs one statement in autocommit mode; returns its update count. A statement the database
     * aborted as a deadlock victim (rolled back whole) is run again.
     */
    int update(String sql, Binder binder) throws SQLException {
        return autocommit(connection -> update(connection, sql, binder));
    }

    static int update(Connection connection, String sql, Binder binder) throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement(sql)) {
            binder.bind(statement);
            return statement.executeUpdate();
        }
    }

    /** Runs a query; returns its rows, mapped. */
    <T> List<T> query(String sql, Binder binder, RowMapper<T> mapper) throws SQLException {
        try (Connection connection = dataSource.getConnection()) {
            return query(connection, sql, binder, mapper);
        }
    }

    static <T> List<T> query(Connection connection, String sql, Binder binder, RowMapper<T> mapper)
            throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement(sql)) {
            binder.bind(statement);
            try (ResultSet rows = statement.executeQuery()) {
                List<T> out = new ArrayList<>();
                while (rows.next()) {
                    out.add(mapper.map(rows));
                }
                return out;
            }
        }
    }

    /** How many times a transaction the database aborted as a deadlock or serialization failure is run. */
    static final int TRANSACTION_ATTEMPTS = 5;

    /**
     * Runs {@code work} in a transaction: committed if it returns, rolled back if it throws. A
     * transaction the database aborts to break a deadlock or a serialization conflict (SQLState
     * class 40: MariaDB's InnoDB picks a victim among concurrent claimers) is run again, up to
     * {@value #TRANSACTION_ATTEMPTS} times in all; the work must be safe to repeat after a rollback.
     */
    <T> T inTransaction(Transaction<T> work) throws SQLException {
        for (int attempt = 1; ; attempt++) {
            try {
                return once(work);
            } catch (SQLException e) {
                if (attempt >= TRANSACTION_ATTEMPTS || !isRetryable(e)) {
                    throw e;
                }
            }
        }
    }

    /** Whether the database aborted the transaction as a deadlock victim or a serialization failure. */
    static boolean isRetryable(SQLException e) {
        for (SQLException x = e; x != null; x = x.getNextException()) {
            String state = x.getSQLState();
            if (state != null && state.startsWith("40")) {
                return true;
            }
            if (x.getCause() instanceof SQLException cause && cause != x) {
                String inner = cause.getSQLState();
                if (inner != null && inner.startsWith("40")) {
                    return true;
                }
            }
        }
        return false;
    }

    private <T> T once(Transaction<T> work) throws SQLException {
        try (Connection connection = dataSource.getConnection()) {
            boolean auto = connection.getAutoCommit();
            int isolation = connection.getTransactionIsolation();
            if (readCommitted && isolation != Connection.TRANSACTION_READ_COMMITTED) {
                connection.setTransactionIsolation(Connection.TRANSACTION_READ_COMMITTED);
            }
            connection.setAutoCommit(false);
            try {
                T result = work.run(connection);
                connection.commit();
                return result;
            } catch (SQLException | RuntimeException | Error e) {
                try {
                    connection.rollback();
                } catch (SQLException rollback) {
                    e.addSuppressed(rollback);
                }
                throw e;
            } finally {
                connection.setAutoCommit(auto);
                if (readCommitted && isolation != Connection.TRANSACTION_READ_COMMITTED) {
                    connection.setTransactionIsolation(isolation);
                }
            }
        }
    }

    /**
     * Runs {@code work} on a connection in autocommit mode (each statement commits on its own), again
     * if the database aborted a statement as a deadlock victim; the work must be safe to repeat.
     */
    <T> T autocommit(Transaction<T> work) throws SQLException {
        for (int attempt = 1; ; attempt++) {
            try (Connection connection = dataSource.getConnection()) {
                return work.run(connection);
            } catch (SQLException e) {
                if (attempt >= TRANSACTION_ATTEMPTS || !isRetryable(e)) {
                    throw e;
                }
            }
        }
    }

    /** Binds a nullable string. */
    static void setNullable(PreparedStatement statement, int index, @Nullable String value) throws SQLException {
        if (value == null) {
            statement.setNull(index, Types.VARCHAR);
        } else {
            statement.setString(index, value);
        }
    }

    /** Binds a nullable long. */
    static void setNullable(PreparedStatement statement, int index, @Nullable Long value) throws SQLException {
        if (value == null) {
            statement.setNull(index, Types.BIGINT);
        } else {
            statement.setLong(index, value);
        }
    }
}
