package org.llmgine.bus.benchmarks.jmh;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Locale;
import java.util.UUID;
import org.llmgine.bus.store.jdbc.Dialect;

/**
 * A database {@link StoreBenchmark} writes to, a fresh one per trial behind a HikariCP pool of
 * {@value #POOL_SIZE} connections: the stores and the plain JDBC baselines share that pool.
 */
public enum Database {

    /** H2 in memory ({@code jdbc:h2:mem:<name>;DB_CLOSE_DELAY=-1}), in the benchmark's own JVM. */
    H2(Dialect.H2),
    /**
     * The machine's PostgreSQL, {@value #PG_URL} as user {@value #PG_USER} without a password
     * (override with {@code -jvmArgsAppend -Dllmgine.bench.postgresql.url=... -Dllmgine.bench.postgresql.user=...}),
     * in a schema of its own ({@code currentSchema=llmgine_bench_<random>}), dropped at the end.
     */
    POSTGRESQL(Dialect.POSTGRESQL);

    /** Connections in each pool: more than the benchmark thread and the event log's writer use at once. */
    static final int POOL_SIZE = 4;
    /** The default PostgreSQL server and database. */
    static final String PG_URL = "jdbc:postgresql://127.0.0.1:5432/test";
    /** The default PostgreSQL user (trust authentication). */
    static final String PG_USER = "postgres";

    private final Dialect dialect;

    Database(Dialect dialect) {
        this.dialect = dialect;
    }

    /** The dialect the stores must detect on this database. */
    Dialect dialect() {
        return dialect;
    }

    /** A database made for one trial; closing the pool and dropping what was made. */
    interface Open extends AutoCloseable {

        /** The pool every writer of the trial takes its connections from. */
        HikariDataSource pool();

        @Override
        void close() throws SQLException;
    }

    /**
     * Makes a fresh, empty database (a new in-memory H2 database, a new PostgreSQL schema).
     *
     * @return the open database
     * @throws SQLException if the server cannot be reached or refuses the schema
     */
    Open open() throws SQLException {
        String name = "llmgine_bench_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12)
                .toLowerCase(Locale.ROOT);
        return switch (this) {
            case H2 -> {
                HikariDataSource pool = pool("jdbc:h2:mem:" + name + ";DB_CLOSE_DELAY=-1", "sa", name);
                yield open(pool, () -> {
                    try (Connection c = pool.getConnection(); Statement s = c.createStatement()) {
                        s.execute("DROP ALL OBJECTS");
                    } finally {
                        pool.close();
                    }
                });
            }
            case POSTGRESQL -> {
                String url = System.getProperty("llmgine.bench.postgresql.url", PG_URL);
                String user = System.getProperty("llmgine.bench.postgresql.user", PG_USER);
                try (Connection c = DriverManager.getConnection(url, user, ""); Statement s = c.createStatement()) {
                    s.execute("CREATE SCHEMA " + name);
                } catch (SQLException e) {
                    throw new SQLException("StoreBenchmark needs PostgreSQL at " + url + " (user " + user
                            + ", no password) or -p database=H2: " + e.getMessage(), e);
                }
                HikariDataSource pool;
                try {
                    pool = pool(url + (url.contains("?") ? "&" : "?") + "currentSchema=" + name, user, name);
                } catch (RuntimeException e) {
                    dropSchema(url, user, name);
                    throw e;
                }
                yield open(pool, () -> {
                    pool.close();
                    dropSchema(url, user, name);
                });
            }
        };
    }

    private static void dropSchema(String url, String user, String name) throws SQLException {
        try (Connection c = DriverManager.getConnection(url, user, ""); Statement s = c.createStatement()) {
            s.execute("DROP SCHEMA " + name + " CASCADE");
        }
    }

    private static HikariDataSource pool(String url, String user, String name) {
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(url);
        config.setUsername(user);
        config.setPassword("");
        config.setMaximumPoolSize(POOL_SIZE);
        config.setPoolName(name);
        return new HikariDataSource(config);
    }

    @FunctionalInterface
    private interface Cleanup {
        void run() throws SQLException;
    }

    private static Open open(HikariDataSource pool, Cleanup cleanup) {
        return new Open() {
            @Override
            public HikariDataSource pool() {
                return pool;
            }

            @Override
            public void close() throws SQLException {
                cleanup.run();
            }
        };
    }
}
