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

    Jdbc(DataSource dataSource) {
        this.dataSource = Objects.requireNonNull(dataSource, "dataSource");
    }

    DataSource dataSource() {
        return dataSource;
    }

    /** Runs one statement; returns its update count. */
    int update(String sql, Binder binder) throws SQLException {
        try (Connection connection = dataSource.getConnection()) {
            return update(connection, sql, binder);
        }
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

    /** Runs {@code work} in a transaction: committed if it returns, rolled back if it throws. */
    <T> T inTransaction(Transaction<T> work) throws SQLException {
        try (Connection connection = dataSource.getConnection()) {
            boolean auto = connection.getAutoCommit();
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
