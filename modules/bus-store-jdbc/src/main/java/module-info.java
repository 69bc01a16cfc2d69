import org.jspecify.annotations.NullMarked;

/**
 * Durable stores of an {@code org.llmgine.bus} message bus over plain JDBC and a user's
 * {@link javax.sql.DataSource}: scheduled events and dead letters in the write-through shape of the
 * core's store SPI, shared safely by several bus instances (conditional-update claims with a lease,
 * {@code SKIP LOCKED} batch claims where the database has them). PostgreSQL is the production
 * reference; H2, SQLite and MariaDB are supported. Rows are written with a
 * {@link org.llmgine.bus.codec.MessageCodec}.
 */
@NullMarked
module org.llmgine.bus.store.jdbc {
    requires transitive org.llmgine.bus;
    requires transitive org.llmgine.bus.codec;
    requires transitive java.sql;
    requires static transitive org.llmgine.bus.resilience;
    requires static transitive org.jspecify;

    exports org.llmgine.bus.store.jdbc;
}
