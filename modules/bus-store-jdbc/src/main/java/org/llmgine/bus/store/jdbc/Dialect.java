package org.llmgine.bus.store.jdbc;

import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.SQLException;
import java.util.Arrays;
import java.util.Locale;

/**
 * A database the stores run on: which DDL they apply and whether a batch claim can lock rows with
 * {@code FOR UPDATE SKIP LOCKED}. Detected from the connection's metadata unless given.
 */
public enum Dialect {

    /** PostgreSQL 12 and later: the production reference; {@code SKIP LOCKED}. */
    POSTGRESQL("postgresql", true),
    /**
     * H2 2.x, embedded (file or memory): the zero-configuration default; {@code SKIP LOCKED}. A file
     * database needs {@code ;WRITE_DELAY=0} in its URL to keep every committed row through a crash.
     */
    H2("h2", true),
    /**
     * SQLite 3 (xerial sqlite-jdbc): one writer at a time, so claims are plain conditional updates
     * (the database serializes them); no {@code SKIP LOCKED}.
     */
    SQLITE("sqlite", false),
    /** MariaDB 10.6 and later; {@code SKIP LOCKED}. */
    MARIADB("mariadb", true);

    private final String ddl;
    private final boolean skipLocked;

    Dialect(String ddl, boolean skipLocked) {
        this.ddl = ddl;
        this.skipLocked = skipLocked;
    }

    /**
     * Tells whether a batch claim can select rows {@code FOR UPDATE SKIP LOCKED}.
     *
     * @return true for PostgreSQL, H2 and MariaDB
     */
    public boolean supportsSkipLocked() {
        return skipLocked;
    }

    /** The name of the DDL resource, {@code ddl/<name>.sql}. */
    String ddlResource() {
        return "ddl/" + ddl + ".sql";
    }

    /**
     * Detects the dialect of a connection from its database product name.
     *
     * @param connection an open connection
     * @return the dialect
     * @throws SQLException if the metadata cannot be read
     * @throws IllegalArgumentException naming the product if it is none of the supported ones
     */
    public static Dialect detect(Connection connection) throws SQLException {
        DatabaseMetaData meta = connection.getMetaData();
        String product = meta.getDatabaseProductName();
        String name = product == null ? "" : product.toLowerCase(Locale.ROOT);
        if (name.contains("postgresql")) {
            return POSTGRESQL;
        }
        if (name.equals("h2")) {
            return H2;
        }
        if (name.contains("sqlite")) {
            return SQLITE;
        }
        if (name.contains("mariadb") || (name.contains("mysql") && String.valueOf(meta.getDatabaseProductVersion())
                .toLowerCase(Locale.ROOT).contains("mariadb"))) {
            return MARIADB;
        }
        throw new IllegalArgumentException("unsupported database '" + product + "' (version "
                + meta.getDatabaseProductVersion() + "); supported: " + Arrays.toString(values())
                + "; pass the dialect to JdbcStores.Builder.dialect if it is compatible with one");
    }
}
