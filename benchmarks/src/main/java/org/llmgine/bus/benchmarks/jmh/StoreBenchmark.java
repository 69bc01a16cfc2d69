package org.llmgine.bus.benchmarks.jmh;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.llmgine.bus.benchmarks.jmh.StoreRows.Table;
import org.llmgine.bus.message.MessageId;
import org.llmgine.bus.store.jdbc.JdbcDeadLetterStore;
import org.llmgine.bus.store.jdbc.JdbcOutbox;
import org.llmgine.bus.store.jdbc.JdbcScheduledEventStore;
import org.llmgine.bus.store.jdbc.JdbcStores;
import org.llmgine.bus.store.jdbc.OutboxEntry;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Write throughput of the JDBC stores in rows per second, next to plain JDBC inserts of the same rows
 * into the same tables in the same run: every score is rows/s ({@code OperationsPerInvocation}). One
 * benchmark method per table, each with {@code writer} ({@link Writer}) as its competitors:
 * {@code STORE} (the store's own write path), {@code PLAIN_INSERT} (one autocommitted
 * {@code INSERT} per row on a connection taken from the pool for that row, as the stores take one per
 * call; the drivers cache the prepared statement per connection) and {@code PLAIN_BATCH}
 * ({@code addBatch}/{@code executeBatch} of {@value #ROWS} rows in one transaction, the event log's
 * batch size). Each invocation writes {@value #ROWS} rows.
 *
 * <ul>
 *   <li>{@link #scheduledEvents}: {@code STORE} is {@code JdbcScheduledEventStore.add} per row;</li>
 *   <li>{@link #deadLetters}: {@code JdbcDeadLetterStore.add} per row (the row carries a
 *       retries-exhausted cause with a stack of 8 frames);</li>
 *   <li>{@link #outbox}: {@code JdbcOutbox.add} per row; {@link #outboxCycle} is the outbox's whole
 *       throughput, {@value #OUTBOX_BATCH} rows added, claimed in one {@code claimBatch} and completed
 *       in one {@code completeAll} per invocation; its {@code PLAIN_INSERT} and {@code PLAIN_BATCH} are the
 *       same row writes in plain JDBC (the rows inserted one by one or in one batch, then claimed and
 *       completed by id in one JDBC batch each), the floor of any outbox's cost on the database;</li>
 *   <li>{@link #eventLog}: {@code STORE} hands accepted events to {@code JdbcEventLog} through its
 *       observer callback ({@code onAccepted}, on the benchmark thread, as the bus calls it; no bus
 *       dispatch competes for the cores) and keeps two batches buffered ahead of its writer, so the
 *       writer always has full batches of 500, as under sustained load. Rows are counted when handed
 *       over; each iteration starts primed with two batches, so the rows counted in an iteration and
 *       the rows written in it differ by about one batch at most.</li>
 * </ul>
 *
 * <p>The matching baselines: a per-row store against {@code PLAIN_INSERT}, the batched event log
 * against {@code PLAIN_BATCH}, the outbox's cycle against the plain cycle with single inserts (the
 * issue's target: at least 0.5 of the matching baseline). The plain
 * inserts bind the JSON the codec wrote once; the stores encode every row. {@link StoreRatios} runs
 * this class and prints the ratios; {@code java -jar} prints the scores only.
 *
 * <pre>{@code
 * java -cp benchmarks/target/benchmarks.jar org.llmgine.bus.benchmarks.jmh.StoreRatios          # scores and ratios
 * java -cp benchmarks/target/benchmarks.jar org.llmgine.bus.benchmarks.jmh.StoreRatios --rounds 3 -p database=H2
 * java -jar benchmarks/target/benchmarks.jar StoreBenchmark.eventLog                            # scores only
 * }</pre>
 *
 * <p>Each trial gets a new database ({@link Database}: H2 in memory, or a new PostgreSQL schema,
 * dropped at the end) with the stores' DDL. After every iteration the tables are counted (each must
 * hold exactly the rows written; the event log's writer is drained first and must have dropped and
 * failed nothing) and truncated, so every iteration starts from empty tables.
 *
 * <p>The fork's heap is fixed and touched up front ({@code -Xms4g -Xmx4g -XX:+AlwaysPreTouch}): H2
 * keeps its tables on the heap, and a heap that grows during the run faults its new pages in while
 * measuring (on this VM, iterations of one fork then moved 5x, with a core in the kernel).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Xms4g", "-Xmx4g", "-XX:+AlwaysPreTouch"})
@Threads(1)
public class StoreBenchmark {

    /** Rows per invocation of a table's method, and the rows of one plain batch. */
    static final int ROWS = 500;
    /** Rows per invocation of {@link #outboxCycle}: added, then claimed in one batch and completed. */
    static final int OUTBOX_BATCH = 100;
    /** Rows the event log may be behind the benchmark thread: two batches of its writer. */
    static final int LOG_AHEAD = 2 * ROWS;
    /** How long the checks wait for the event log's writer. */
    static final Duration WAIT = Duration.ofSeconds(60);

    /** Who writes the rows. */
    public enum Writer {
        /** The store's own write path. */
        STORE,
        /** One autocommitted INSERT per row, a pooled connection per row. */
        PLAIN_INSERT,
        /** One transaction per {@value StoreBenchmark#ROWS} rows, sent with {@code executeBatch}. */
        PLAIN_BATCH
    }

    /** The database; all of them unless {@code -p database=...}. */
    @Param
    public Database database = Database.H2;

    /** The competitors of a table's method. */
    @State(Scope.Benchmark)
    public static class Way {

        /** Who writes; all of them unless {@code -p writer=...}. */
        @Param
        public Writer writer = Writer.STORE;

        /** Creates the state; JMH calls this. */
        public Way() {
        }
    }

    /** The open database and the stores of one trial. */
    private record Trial(Database.Open db, StoreRows rows, JdbcStores stores, JdbcScheduledEventStore scheduled,
            JdbcDeadLetterStore deadLetters, JdbcOutbox outbox) {
    }

    private @Nullable Trial trial;
    private final long[] written = new long[Table.values().length];
    private long seq;
    private final UUID owner = UUID.randomUUID();

    /** Creates the benchmark state; JMH calls this. */
    public StoreBenchmark() {
    }

    /**
     * Makes the database and the stores (which apply their DDL).
     *
     * @throws SQLException if the database cannot be reached
     */
    @Setup(Level.Trial)
    public void open() throws SQLException {
        Database.Open db = database.open();
        try {
            StoreRows rows = new StoreRows(MessageId.newOrigin(System.currentTimeMillis()));
            JdbcStores stores = JdbcStores.builder(db.pool()).codec(rows.codec()).build();
            if (stores.dialect() != database.dialect()) {
                throw new IllegalStateException("the stores detected " + stores.dialect() + " on " + database);
            }
            trial = new Trial(db, rows, stores, stores.scheduledEvents(), stores.deadLetters(StoreRows.QUEUE),
                    stores.outbox(StoreRows.OUTBOX));
        } catch (SQLException | RuntimeException e) {
            db.close();
            throw e;
        }
    }

    /**
     * Checks that every table holds exactly the rows the iteration wrote, then empties them.
     *
     * @throws SQLException if the database cannot be reached
     */
    @TearDown(Level.Iteration)
    public void checkAndEmpty() throws SQLException {
        Trial t = trial();
        try (Connection c = t.db().pool().getConnection(); Statement s = c.createStatement()) {
            for (Table table : Table.values()) {
                String name = table.name(t.stores().tablePrefix());
                long count;
                try (ResultSet r = s.executeQuery("SELECT COUNT(*) FROM " + name)) {
                    r.next();
                    count = r.getLong(1);
                }
                if (count != written[table.ordinal()]) {
                    throw new IllegalStateException(name + " on " + database + " holds " + count + " rows, but "
                            + written[table.ordinal()] + " were written in this iteration");
                }
                if (count > 0) {
                    s.execute("TRUNCATE TABLE " + name);
                }
                written[table.ordinal()] = 0;
            }
        }
    }

    /**
     * Drops the database.
     *
     * @throws SQLException if the database cannot be reached
     */
    @TearDown(Level.Trial)
    public void close() throws SQLException {
        Trial t = trial;
        trial = null;
        if (t != null) {
            t.db().close();
        }
    }

    /**
     * Scheduled events: {@code JdbcScheduledEventStore.add} per row, or its plain baselines.
     *
     * @param way who writes
     * @return the rows written so far in the iteration
     * @throws SQLException if a row could not be written
     */
    @Benchmark
    @OperationsPerInvocation(ROWS)
    public long scheduledEvents(Way way) throws SQLException {
        Trial t = trial();
        if (way.writer != Writer.STORE) {
            return plain(t, Table.SCHEDULED_EVENTS, way.writer);
        }
        for (int i = 0; i < ROWS; i++) {
            t.scheduled().add(t.rows().scheduled(++seq));
        }
        return wrote(Table.SCHEDULED_EVENTS, ROWS);
    }

    /**
     * Dead letters: {@code JdbcDeadLetterStore.add} per row, or its plain baselines.
     *
     * @param way who writes
     * @return the rows written so far in the iteration
     * @throws SQLException if a row could not be written
     */
    @Benchmark
    @OperationsPerInvocation(ROWS)
    public long deadLetters(Way way) throws SQLException {
        Trial t = trial();
        if (way.writer != Writer.STORE) {
            return plain(t, Table.DEAD_LETTERS, way.writer);
        }
        for (int i = 0; i < ROWS; i++) {
            t.deadLetters().add(t.rows().deadLetter(++seq));
        }
        return wrote(Table.DEAD_LETTERS, ROWS);
    }

    /**
     * Outbox rows: {@code JdbcOutbox.add} per row, or its plain baselines.
     *
     * @param way who writes
     * @return the rows written so far in the iteration
     * @throws SQLException if a row could not be written
     */
    @Benchmark
    @OperationsPerInvocation(ROWS)
    public long outbox(Way way) throws SQLException {
        Trial t = trial();
        if (way.writer != Writer.STORE) {
            return plain(t, Table.OUTBOX, way.writer);
        }
        for (int i = 0; i < ROWS; i++) {
            t.outbox().add(t.rows().outboxEntry(++seq));
        }
        return wrote(Table.OUTBOX, ROWS);
    }

    /**
     * The outbox's whole cycle: {@value #OUTBOX_BATCH} rows added one by one, claimed in one
     * {@code claimBatch}, completed in one {@code completeAll}; or the same row writes in plain JDBC
     * ({@link #plainCycle}).
     *
     * @param way who writes: the store, or plain JDBC inserting the rows one by one
     *     ({@code PLAIN_INSERT}) or in one batch ({@code PLAIN_BATCH})
     * @return the rows written so far in the iteration
     * @throws SQLException if a row could not be written, claimed or completed
     */
    @Benchmark
    @OperationsPerInvocation(OUTBOX_BATCH)
    public long outboxCycle(Way way) throws SQLException {
        Trial t = trial();
        if (way.writer != Writer.STORE) {
            return plainCycle(t, way.writer);
        }
        for (int i = 0; i < OUTBOX_BATCH; i++) {
            t.outbox().add(t.rows().outboxEntry(++seq));
        }
        Instant now = Instant.now().plusSeconds(1); // past every row's creation time
        List<OutboxEntry> claimed = t.outbox().claimBatch(owner, now, now.plusSeconds(60), OUTBOX_BATCH);
        if (claimed.size() != OUTBOX_BATCH) {
            throw new IllegalStateException("claimBatch took " + claimed.size() + " of the " + OUTBOX_BATCH
                    + " rows just added on " + database);
        }
        t.outbox().completeAll(claimed.stream().map(OutboxEntry::id).toList()); // the batch's acknowledgements
        return wrote(Table.OUTBOX, OUTBOX_BATCH);
    }

    /**
     * The event log: {@value #ROWS} accepted events handed to {@code JdbcEventLog}, then a wait until
     * its writer is at most {@value #LOG_AHEAD} rows behind; or its plain baselines.
     *
     * @param way who writes
     * @param logged the event log and its bus (started for {@code STORE} only)
     * @return the rows handed over or written so far in the iteration
     * @throws SQLException if a row could not be written
     */
    @Benchmark
    @OperationsPerInvocation(ROWS)
    public long eventLog(Way way, EventLogState logged) throws SQLException {
        Trial t = trial();
        if (way.writer != Writer.STORE) {
            return plain(t, Table.EVENT_LOG, way.writer);
        }
        logged.offer(t.rows(), this, ROWS);
        logged.awaitBehind(LOG_AHEAD);
        return written[Table.EVENT_LOG.ordinal()];
    }

    /** The next row's sequence number (ids are unique per trial). */
    long nextSeq() {
        return ++seq;
    }

    /** Counts rows written to a table in this iteration; returns its count. */
    long wrote(Table table, int rows) {
        return written[table.ordinal()] += rows;
    }

    private long plain(Trial t, Table table, Writer writer) throws SQLException {
        insert(t, table, writer, ROWS);
        return wrote(table, ROWS);
    }

    /**
     * The outbox's send cycle in plain JDBC, the floor of what any outbox on the database costs: the
     * rows inserted as {@code writer} does, then one transaction of a JDBC batch of single-row
     * claims by id, then one of completions by id. The same row writes as the store's cycle, without
     * its selection of claimable rows, its leases' conditions or its decoding.
     */
    private long plainCycle(Trial t, Writer writer) throws SQLException {
        String table = Table.OUTBOX.name(t.stores().tablePrefix());
        long first = seq + 1;
        insert(t, Table.OUTBOX, writer, OUTBOX_BATCH);
        long now = StoreRows.nanos(Instant.now());
        updateEach(t, "UPDATE " + table + " SET state = 'IN_FLIGHT', claimed_by = ?, claim_until_ns = ?,"
                + " attempts = attempts + 1 WHERE outbox_name = ? AND id = ?", first, (s, id) -> {
                    s.setString(1, owner.toString());
                    s.setLong(2, now + Duration.ofSeconds(60).toNanos());
                    s.setString(3, StoreRows.OUTBOX);
                    s.setString(4, id);
                });
        updateEach(t, "UPDATE " + table + " SET state = 'COMPLETED', claimed_by = NULL, claim_until_ns = NULL,"
                + " completed_at_ns = ? WHERE outbox_name = ? AND id = ?", first, (s, id) -> {
                    s.setLong(1, now);
                    s.setString(2, StoreRows.OUTBOX);
                    s.setString(3, id);
                });
        return wrote(Table.OUTBOX, OUTBOX_BATCH);
    }

    /** Binds one row's update by its id. */
    private interface RowUpdate {
        void bind(PreparedStatement s, String id) throws SQLException;
    }

    /** Runs {@code sql} for the {@value #OUTBOX_BATCH} rows from {@code first}, one JDBC batch in one transaction; checks each took its row. */
    private void updateEach(Trial t, String sql, long first, RowUpdate update) throws SQLException {
        try (Connection c = t.db().pool().getConnection()) {
            boolean auto = c.getAutoCommit();
            c.setAutoCommit(false);
            try (PreparedStatement s = c.prepareStatement(sql)) {
                for (long row = first; row < first + OUTBOX_BATCH; row++) {
                    update.bind(s, t.rows().outboxId(row));
                    s.addBatch();
                }
                for (int count : s.executeBatch()) {
                    if (count != 1 && count != Statement.SUCCESS_NO_INFO) {
                        throw new IllegalStateException("a plain outbox update on " + database + " took " + count + " rows: " + sql);
                    }
                }
                c.commit();
            } finally {
                c.setAutoCommit(auto);
            }
        }
    }

    /** Inserts {@code count} rows of {@code table}, one autocommitted insert each or one batch. */
    private void insert(Trial t, Table table, Writer writer, int count) throws SQLException {
        String sql = table.insert(t.stores().tablePrefix());
        if (writer == Writer.PLAIN_INSERT) {
            for (int i = 0; i < count; i++) {
                try (Connection c = t.db().pool().getConnection(); PreparedStatement s = c.prepareStatement(sql)) {
                    t.rows().bind(table, s, ++seq);
                    s.executeUpdate();
                }
            }
        } else {
            try (Connection c = t.db().pool().getConnection()) {
                boolean auto = c.getAutoCommit();
                c.setAutoCommit(false);
                try (PreparedStatement s = c.prepareStatement(sql)) {
                    for (int i = 0; i < count; i++) {
                        t.rows().bind(table, s, ++seq);
                        s.addBatch();
                    }
                    s.executeBatch();
                    c.commit();
                } finally {
                    c.setAutoCommit(auto);
                }
            }
        }
    }

    private Trial trial() {
        Trial t = trial;
        if (t == null) {
            throw new IllegalStateException("StoreBenchmark is not set up");
        }
        return t;
    }

    /** The stores of the trial; for {@link EventLogState}. */
    JdbcStores stores() {
        return trial().stores();
    }

    /** The rows of the trial; for {@link EventLogState}. */
    StoreRows rows() {
        return trial().rows();
    }
}
