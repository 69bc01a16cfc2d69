package org.llmgine.bus.store.jdbc;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Comparator;
import java.util.Locale;
import java.util.UUID;
import java.util.stream.Stream;
import javax.sql.DataSource;

/**
 * A database of its own for one test, on a real server where there is one: PostgreSQL and MariaDB
 * on this machine (each test gets a fresh schema or database, dropped at close), H2 in memory,
 * SQLite in a temporary file. Connections come from a HikariCP pool, as the docs recommend.
 */
enum TestDatabase {

    /** The machine's PostgreSQL 15 on 127.0.0.1:5432, database {@code test}, trust auth. */
    POSTGRESQL,
    /** H2 in memory. */
    H2,
    /** SQLite in a temporary file. */
    SQLITE,
    /** The machine's MariaDB on 127.0.0.1:3306, user root without a password. */
    MARIADB;

    static final String PG_URL = "jdbc:postgresql://127.0.0.1:5432/test";
    static final String MARIADB_URL = "jdbc:mariadb://127.0.0.1:3306/";

    /** An open database; closing it drops what the test made. */
    interface Open extends AutoCloseable {
        DataSource dataSource();

        @Override
        void close() throws SQLException, java.io.IOException;
    }

    Open open() throws Exception {
        String name = "llmgine_t_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12)
                .toLowerCase(Locale.ROOT);
        return switch (this) {
            case POSTGRESQL -> {
                try (Connection c = DriverManager.getConnection(PG_URL, "postgres", "");
                        Statement s = c.createStatement()) {
                    s.execute("CREATE SCHEMA " + name);
                }
                HikariDataSource pool = pool(PG_URL + "?currentSchema=" + name, "postgres", 4);
                yield open(pool, () -> {
                    pool.close();
                    try (Connection c = DriverManager.getConnection(PG_URL, "postgres", "");
                            Statement s = c.createStatement()) {
                        s.execute("DROP SCHEMA " + name + " CASCADE");
                    }
                });
            }
            case H2 -> {
                HikariDataSource pool = pool("jdbc:h2:mem:" + name + ";DB_CLOSE_DELAY=-1", "sa", 4);
                yield open(pool, () -> {
                    try (Connection c = pool.getConnection(); Statement s = c.createStatement()) {
                        s.execute("DROP ALL OBJECTS");
                    }
                    pool.close();
                });
            }
            case SQLITE -> {
                Path dir = Files.createTempDirectory("llmgine-sqlite");
                // busy_timeout: a writer waits for the lock instead of failing at once
                HikariDataSource pool = pool("jdbc:sqlite:" + dir.resolve("store.db") + "?busy_timeout=10000", "", 2);
                yield open(pool, () -> {
                    pool.close();
                    try (Stream<Path> files = Files.walk(dir)) {
                        for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                            Files.deleteIfExists(p);
                        }
                    }
                });
            }
            case MARIADB -> {
                try (Connection c = DriverManager.getConnection(MARIADB_URL, "root", "");
                        Statement s = c.createStatement()) {
                    s.execute("CREATE DATABASE " + name);
                }
                HikariDataSource pool = pool(MARIADB_URL + name, "root", 4);
                yield open(pool, () -> {
                    pool.close();
                    try (Connection c = DriverManager.getConnection(MARIADB_URL, "root", "");
                            Statement s = c.createStatement()) {
                        s.execute("DROP DATABASE " + name);
                    }
                });
            }
        };
    }

    private static HikariDataSource pool(String url, String user, int size) {
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(url);
        config.setUsername(user);
        config.setPassword("");
        config.setMaximumPoolSize(size);
        config.setPoolName("test-" + url.substring(5, Math.min(url.length(), 20)));
        return new HikariDataSource(config);
    }

    @FunctionalInterface
    private interface Cleanup {
        void run() throws SQLException, java.io.IOException;
    }

    private static Open open(DataSource dataSource, Cleanup cleanup) {
        return new Open() {
            @Override
            public DataSource dataSource() {
                return dataSource;
            }

            @Override
            public void close() throws SQLException, java.io.IOException {
                cleanup.run();
            }
        };
    }
}
