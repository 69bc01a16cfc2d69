package org.llmgine.bus.store.jdbc;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.InstantSource;
import java.util.Objects;
import java.util.regex.Pattern;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;
import org.llmgine.bus.codec.MessageCodec;

/**
 * The JDBC stores of one database: made once over the application's {@link DataSource} (a pool:
 * HikariCP is recommended), with the codec its rows are written with. Building it detects the
 * dialect and applies the DDL (every statement {@code IF NOT EXISTS}) unless the application owns
 * the schema.
 *
 * <pre>{@code
 * JdbcStores stores = JdbcStores.builder(dataSource).codec(codec).build();
 * MessageBus bus = MessageBus.builder().scheduledEventStore(stores.scheduledEvents()).start();
 * DeadLetterQueue dlq = DeadLetterQueue.builder().store(stores.deadLetters("chat")).build();
 * JdbcOutbox outbox = stores.outbox("kafka");
 * }</pre>
 */
public final class JdbcStores {

    private static final System.Logger LOG = System.getLogger("org.llmgine.bus.store.jdbc");
    private static final Pattern PREFIX = Pattern.compile("[a-z][a-z0-9_]{0,30}");

    private final Jdbc jdbc;
    private final MessageCodec codec;
    private final Dialect dialect;
    private final String prefix;
    private final InstantSource clock;

    private JdbcStores(Jdbc jdbc, MessageCodec codec, Dialect dialect, String prefix, InstantSource clock) {
        this.jdbc = jdbc;
        this.codec = codec;
        this.dialect = dialect;
        this.prefix = prefix;
        this.clock = clock;
    }

    /**
     * Starts building the stores of a database.
     *
     * @param dataSource where connections come from
     * @return a builder
     */
    public static Builder builder(DataSource dataSource) {
        return new Builder(Objects.requireNonNull(dataSource, "dataSource"));
    }

    /**
     * Returns the dialect, detected or given.
     *
     * @return the dialect
     */
    public Dialect dialect() {
        return dialect;
    }

    /**
     * Returns the prefix of every table name.
     *
     * @return for example {@code llmgine_}
     */
    public String tablePrefix() {
        return prefix;
    }

    /**
     * Returns a store of scheduled events in table {@code <prefix>scheduled_events}. Buses sharing
     * the table share their scheduled events (each fires once, by claim).
     *
     * @return the store
     */
    public JdbcScheduledEventStore scheduledEvents() {
        return new JdbcScheduledEventStore(jdbc, codec, dialect, prefix + "scheduled_events", clock);
    }

    /**
     * Returns a dead letter store for one queue, in table {@code <prefix>dead_letters} (queues are
     * kept apart by name; two queues of the same name on two instances share their entries).
     * Needs the resilience module.
     *
     * @param queueName the queue's name, 1 to 100 characters
     * @return the store
     * @throws IllegalArgumentException if the name is blank or too long
     */
    public JdbcDeadLetterStore deadLetters(String queueName) {
        checkName("queueName", queueName);
        return new JdbcDeadLetterStore(jdbc, codec, queueName, prefix + "dead_letters");
    }

    /**
     * Returns an outbox in table {@code <prefix>outbox}, its rows abandoned after 10 attempts.
     *
     * @param name the outbox's name, 1 to 100 characters (outboxes of one name share their rows)
     * @return the outbox
     * @throws IllegalArgumentException if the name is blank or too long
     */
    public JdbcOutbox outbox(String name) {
        return outbox(name, 10);
    }

    /**
     * Returns an outbox in table {@code <prefix>outbox}.
     *
     * @param name the outbox's name, 1 to 100 characters (outboxes of one name share their rows)
     * @param maxAttempts how many claims a row gets before it is abandoned, at least 1
     * @return the outbox
     * @throws IllegalArgumentException if the name is blank or too long, or maxAttempts is below 1
     */
    public JdbcOutbox outbox(String name, int maxAttempts) {
        checkName("outbox name", name);
        if (maxAttempts < 1) {
            throw new IllegalArgumentException("maxAttempts must be at least 1, but was " + maxAttempts);
        }
        return new JdbcOutbox(jdbc, codec, dialect, name, prefix + "outbox", maxAttempts, clock);
    }

    /**
     * Returns an event log writing to table {@code <prefix>event_log}: add it to a bus's builder as
     * an observer ({@link JdbcEventLog} says what it logs and how).
     *
     * @return a builder of the event log
     */
    public JdbcEventLog.Builder eventLog() {
        return new JdbcEventLog.Builder(jdbc, codec, prefix + "event_log");
    }

    /**
     * Returns the processed message ids of consumer groups, in table {@code <prefix>processed_messages}:
     * the durable deduplication of the bridge's inbound side.
     *
     * @return the table's store
     */
    public JdbcProcessedMessages processedMessages() {
        return new JdbcProcessedMessages(jdbc, prefix + "processed_messages", clock);
    }

    private static void checkName(String what, String name) {
        Objects.requireNonNull(name, what);
        if (name.isBlank() || name.length() > 100) {
            throw new IllegalArgumentException(what + " must be 1 to 100 characters and not blank, but was '"
                    + name + "'");
        }
    }

    @Override
    public String toString() {
        return "JdbcStores[" + dialect + ", prefix " + prefix + "]";
    }

    /**
     * Warns of an H2 file database that writes commits to disk only later (its default
     * {@code WRITE_DELAY} of 500 ms): a process killed meanwhile loses them, so a store's rows
     * written just before a crash would be gone.
     */
    private static void warnOfDelayedCommits(Dialect dialect, Connection connection) throws SQLException {
        if (dialect != Dialect.H2) {
            return;
        }
        String url = String.valueOf(connection.getMetaData().getURL());
        String lower = url.toLowerCase(java.util.Locale.ROOT);
        if (!lower.contains(":mem:") && !lower.contains("write_delay=0")) {
            LOG.log(System.Logger.Level.WARNING, "H2 database " + url + " writes commits to disk up to 500 ms later"
                    + " (WRITE_DELAY); a crash can lose the stores' latest rows: add ;WRITE_DELAY=0 to the URL");
        }
    }

    /** Builds {@link JdbcStores}. */
    public static final class Builder {

        private final DataSource dataSource;
        private @Nullable MessageCodec codec;
        private @Nullable Dialect dialect;
        private String prefix = "llmgine_";
        private boolean applySchema = true;
        private InstantSource clock = InstantSource.system();

        private Builder(DataSource dataSource) {
            this.dataSource = dataSource;
        }

        /**
         * Sets the codec rows are written and read with (required).
         *
         * @param codec the codec, knowing every message type the stores will hold
         * @return this builder
         */
        public Builder codec(MessageCodec codec) {
            this.codec = Objects.requireNonNull(codec, "codec");
            return this;
        }

        /**
         * Sets the dialect instead of detecting it from the connection's metadata.
         *
         * @param dialect the dialect
         * @return this builder
         */
        public Builder dialect(Dialect dialect) {
            this.dialect = Objects.requireNonNull(dialect, "dialect");
            return this;
        }

        /**
         * Sets the prefix of every table name (default {@code llmgine_}).
         *
         * @param prefix lower case letters, digits and underscores, starting with a letter, at most 31
         * @return this builder
         * @throws IllegalArgumentException naming the prefix if it is not such a word
         */
        public Builder tablePrefix(String prefix) {
            Objects.requireNonNull(prefix, "prefix");
            if (!PREFIX.matcher(prefix).matches()) {
                throw new IllegalArgumentException("tablePrefix must be lower case letters, digits and underscores "
                        + "starting with a letter (at most 31), but was '" + prefix + "'");
            }
            this.prefix = prefix;
            return this;
        }

        /**
         * Sets whether building applies the DDL (default true). Switch it off when the schema is
         * managed elsewhere (Flyway, Liquibase): the DDL is in this module's resources,
         * {@code org/llmgine/bus/store/jdbc/ddl/<dialect>.sql}, with {@code ${prefix}} for the prefix.
         *
         * @param applySchema false to leave the schema alone
         * @return this builder
         */
        public Builder applySchema(boolean applySchema) {
            this.applySchema = applySchema;
            return this;
        }

        /**
         * Sets the clock for the times the stores write themselves (row creation); claim times come
         * from the callers (default: the system clock).
         *
         * @param clock the clock
         * @return this builder
         */
        public Builder clock(InstantSource clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /**
         * Detects the dialect if none was given, applies the DDL unless told not to, and makes the
         * stores.
         *
         * @return the stores
         * @throws IllegalStateException if no codec was set
         * @throws SQLException if the database cannot be reached or the DDL fails
         */
        public JdbcStores build() throws SQLException {
            MessageCodec c = codec;
            if (c == null) {
                throw new IllegalStateException("JdbcStores needs a codec: call codec(...) before build()");
            }
            Dialect d = dialect;
            try (Connection connection = dataSource.getConnection()) {
                if (d == null) {
                    d = Dialect.detect(connection);
                }
                warnOfDelayedCommits(d, connection);
            } catch (SQLException e) {
                throw new SQLException("JdbcStores cannot reach the database through " + dataSource + ": "
                        + e.getMessage(), e.getSQLState(), e);
            }
            Jdbc jdbc = new Jdbc(dataSource, d);
            if (applySchema) {
                Schema.apply(jdbc, d, prefix);
            }
            return new JdbcStores(jdbc, c, d, prefix, clock);
        }
    }
}
