package org.llmgine.bus.store.jdbc;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

/**
 * The stores' DDL for a dialect ({@code ddl/<dialect>.sql} next to this class), with the table
 * prefix filled in, applied statement by statement. Every statement is {@code IF NOT EXISTS}, so
 * applying it again, or from two instances at once, changes nothing.
 */
final class Schema {

    private Schema() {
    }

    /** The statements of the dialect's DDL for {@code prefix}. */
    static List<String> statements(Dialect dialect, String prefix) {
        String script;
        try (InputStream in = Schema.class.getResourceAsStream(dialect.ddlResource())) {
            if (in == null) {
                throw new IllegalStateException("the DDL resource " + dialect.ddlResource() + " of dialect " + dialect
                        + " is missing from module org.llmgine.bus.store.jdbc");
            }
            script = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the DDL of dialect " + dialect, e);
        }
        List<String> statements = new ArrayList<>();
        StringBuilder current = new StringBuilder();
        for (String line : script.split("\n")) {
            String trimmed = line.strip();
            if (trimmed.isEmpty() || trimmed.startsWith("--")) {
                continue;
            }
            current.append(line).append('\n');
            if (trimmed.endsWith(";")) {
                String statement = current.toString().strip();
                statements.add(statement.substring(0, statement.length() - 1).replace("${prefix}", prefix));
                current.setLength(0);
            }
        }
        return statements;
    }

    /**
     * Applies the DDL. A statement that fails is tried once more (another instance creating the same
     * table at the same moment can make PostgreSQL's catalog refuse the first one).
     */
    static void apply(Jdbc jdbc, Dialect dialect, String prefix) throws SQLException {
        for (String statement : statements(dialect, prefix)) {
            try {
                execute(jdbc, statement);
            } catch (SQLException first) {
                try {
                    execute(jdbc, statement);
                } catch (SQLException second) {
                    second.addSuppressed(first);
                    throw new SQLException("cannot apply the " + dialect + " DDL statement: " + statement,
                            second.getSQLState(), second);
                }
            }
        }
    }

    private static void execute(Jdbc jdbc, String sql) throws SQLException {
        try (Connection connection = jdbc.dataSource().getConnection(); Statement statement = connection.createStatement()) {
            statement.execute(sql);
        }
    }
}
