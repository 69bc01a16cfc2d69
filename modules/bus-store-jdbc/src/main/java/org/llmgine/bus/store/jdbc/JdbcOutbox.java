package org.llmgine.bus.store.jdbc;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import org.jspecify.annotations.Nullable;
import org.llmgine.bus.codec.Decoded;
import org.llmgine.bus.codec.Encoded;
import org.llmgine.bus.codec.MessageCodec;
import org.llmgine.bus.message.Event;
import org.llmgine.bus.message.Headers;
import org.llmgine.bus.message.Message;
import org.llmgine.bus.message.MessageId;
import org.llmgine.bus.spi.WriteThroughStore;

/**
 * An outbox in a table: events accepted for externalization, written before they are sent, so a
 * crash between acceptance and the broker's acknowledgement loses nothing. A sender claims a batch
 * ({@link #claimBatch}: the rows become {@link OutboxState#IN_FLIGHT} with a lease, their attempts
 * counted), sends them, and {@linkplain #complete completes} each on acknowledgement or reports
 * {@linkplain #failed a failure} (back to {@link OutboxState#PENDING} after a delay, or
 * {@link OutboxState#ABANDONED} once the attempts run out). A row whose sender died is claimable
 * again when its lease lapses; so each row is sent by one instance at a time, at least once.
 * Abandoned rows are kept and can be {@linkplain #resubmit resubmitted}; completed ones stay until
 * {@linkplain #purgeCompleted purged}. Made by {@link JdbcStores#outbox(String, int)}.
 */
public final class JdbcOutbox implements WriteThroughStore<OutboxEntry> {

    private static final String COLUMNS = "id, session_id, type_id, payload, headers, destination, record_key, state,"
            + " attempts, created_at_ns, last_error";

    private final Jdbc jdbc;
    private final MessageCodec codec;
    private final Dialect dialect;
    private final String name;
    private final String table;
    private final int maxAttempts;
    private final InstantSource clock;
    private final Unreadables unreadables;

    JdbcOutbox(Jdbc jdbc, MessageCodec codec, Dialect dialect, String name, String table, int maxAttempts,
            InstantSource clock) {
        this.jdbc = jdbc;
        this.codec = codec;
        this.dialect = dialect;
        this.name = name;
        this.table = table;
        this.maxAttempts = maxAttempts;
        this.clock = clock;
        this.unreadables = new Unreadables(table + "[" + name + "]");
    }

    /**
     * Returns the outbox's name: its rows are those with this {@code outbox_name}.
     *
     * @return the name
     */
    public String name() {
        return name;
    }

    /**
     * Returns how many claims a row gets before it is abandoned.
     *
     * @return at least 1
     */
    public int maxAttempts() {
        return maxAttempts;
    }

    /**
     * Writes an entry as {@link OutboxState#PENDING}, claimable at once.
     *
     * @param entry the entry (its state and attempts are ignored: a new row is pending, unattempted)
     * @throws SQLException if the row could not be inserted (an id already there among them)
     * @throws org.llmgine.bus.codec.CodecException if the codec cannot write the event
     */
    @Override
    public void add(OutboxEntry entry) throws SQLException {
        Encoded encoded = codec.encode(entry.event());
        String headers = codec.encodeHeaders(entry.headers());
        long created = Times.toNanos(entry.createdAt());
        jdbc.update("INSERT INTO " + table + " (outbox_name, id, session_id, type_id, payload, headers, destination,"
                + " record_key, state, attempts, not_before_ns, created_at_ns) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?)",
                s -> {
                    s.setString(1, name);
                    s.setString(2, entry.id().toString());
                    Jdbc.setNullable(s, 3, entry.sessionId());
                    s.setString(4, encoded.typeId());
                    s.setString(5, encoded.payload());
                    s.setString(6, headers);
                    s.setString(7, entry.destination());
                    Jdbc.setNullable(s, 8, entry.key());
                    s.setString(9, OutboxState.PENDING.name());
                    s.setLong(10, created);
                    s.setLong(11, created);
                });
    }

    /**
     * Claims one row for {@code owner}, counting an attempt: a pending row whose delay passed, or an
     * in-flight one whose lease lapsed or that {@code owner} holds already.
     *
     * @param id the row
     * @param owner the sending instance
     * @param now the claimer's time
     * @param until when the claim lapses
     * @return true if {@code owner} holds the claim now
     * @throws SQLException if the database could not be reached
     */
    @Override
    public boolean claim(MessageId id, UUID owner, Instant now, Instant until) throws SQLException {
        long at = Times.toNanos(now);
        return jdbc.update("UPDATE " + table + " SET state = 'IN_FLIGHT', claimed_by = ?, claim_until_ns = ?,"
                + " attempts = attempts + 1 WHERE outbox_name = ? AND id = ? AND attempts < ? AND ((state = 'PENDING'"
                + " AND not_before_ns <= ?) OR (state = 'IN_FLIGHT' AND (claimed_by = ? OR claim_until_ns < ?)))", s -> {
                    s.setString(1, owner.toString());
                    s.setLong(2, Times.toNanos(until));
                    s.setString(3, name);
                    s.setString(4, id.toString());
                    s.setInt(5, maxAttempts);
                    s.setLong(6, at);
                    s.setString(7, owner.toString());
                    s.setLong(8, at);
                }) == 1;
    }

    /**
     * Claims up to {@code limit} rows to send, oldest first: pending rows whose delay passed and
     * in-flight rows whose lease lapsed; each gets an attempt counted. On PostgreSQL, H2 and MariaDB
     * the rows are selected {@code FOR UPDATE SKIP LOCKED}, so senders claiming at once take
     * different rows without waiting. In-flight rows whose lease lapsed with their attempts used up
     * become {@link OutboxState#ABANDONED} instead. Rows that cannot be read are left and reported.
     *
     * @param owner the sending instance
     * @param now the claimer's time
     * @param until when the claims lapse
     * @param limit at most this many, at least 1
     * @return the rows {@code owner} holds now, with their attempts counted
     * @throws SQLException if the database could not be reached
     */
    public List<OutboxEntry> claimBatch(UUID owner, Instant now, Instant until, int limit) throws SQLException {
        if (limit < 1) {
            throw new IllegalArgumentException("limit must be at least 1, but was " + limit);
        }
        long at = Times.toNanos(now);
        abandonLapsed(at);
        if (dialect == Dialect.SQLITE) {
            // one statement: SQLite takes its write lock at once (and waits for it per busy_timeout),
            // where a read followed by a write in one transaction could fail with SQLITE_BUSY
            return readAll(jdbc.query("UPDATE " + table + " SET state = 'IN_FLIGHT', claimed_by = ?, claim_until_ns = ?,"
                    + " attempts = attempts + 1 WHERE outbox_name = ? AND id IN (SELECT id FROM " + table
                    + " WHERE outbox_name = ? AND attempts < ? AND ((state = 'PENDING' AND not_before_ns <= ?)"
                    + " OR (state = 'IN_FLIGHT' AND claim_until_ns < ?)) ORDER BY created_at_ns, id LIMIT ?)"
                    + " RETURNING " + COLUMNS, s -> {
                        s.setString(1, owner.toString());
                        s.setLong(2, Times.toNanos(until));
                        s.setString(3, name);
                        s.setString(4, name);
                        s.setInt(5, maxAttempts);
                        s.setLong(6, at);
                        s.setLong(7, at);
                        s.setInt(8, limit);
                    }, JdbcOutbox::row)).stream()
                    .sorted(Comparator.comparing(OutboxEntry::createdAt).thenComparing(e -> e.id().toString()))
                    .toList();
        }
        String select = "SELECT " + COLUMNS + " FROM " + table + " WHERE outbox_name = ? AND ((state = 'PENDING'"
                + " AND not_before_ns <= ?) OR (state = 'IN_FLIGHT' AND claim_until_ns < ?)) ORDER BY created_at_ns, id"
                + " LIMIT ?" + (dialect.supportsSkipLocked() ? " FOR UPDATE SKIP LOCKED" : "");
        return jdbc.inTransaction(connection -> {
            List<Row> rows = Jdbc.query(connection, select, s -> {
                s.setString(1, name);
                s.setLong(2, at);
                s.setLong(3, at);
                s.setInt(4, limit);
            }, JdbcOutbox::row);
            List<OutboxEntry> readable = new ArrayList<>();
            for (Row row : rows) {
                OutboxEntry entry = read(row);
                if (entry != null) {
                    readable.add(entry);
                }
            }
            boolean[] taken = claimRows(connection, readable, owner, at, Times.toNanos(until));
            List<OutboxEntry> claimed = new ArrayList<>();
            for (int i = 0; i < readable.size(); i++) {
                if (taken[i]) {
                    OutboxEntry entry = readable.get(i);
                    claimed.add(new OutboxEntry(entry.id(), entry.event(), entry.sessionId(), entry.headers(),
                            entry.destination(), entry.key(), OutboxState.IN_FLIGHT, entry.attempts() + 1,
                            entry.createdAt(), entry.lastError()));
                }
            }
            return claimed;
        });
    }

    /** Claims the rows in one JDBC batch (one round trip); which of them this claim took. */
    private boolean[] claimRows(Connection connection, List<OutboxEntry> entries, UUID owner, long at, long until)
            throws SQLException {
        boolean[] taken = new boolean[entries.size()];
        if (entries.isEmpty()) {
            return taken;
        }
        try (PreparedStatement s = connection.prepareStatement("UPDATE " + table + " SET state = 'IN_FLIGHT',"
                + " claimed_by = ?, claim_until_ns = ?, attempts = attempts + 1 WHERE outbox_name = ? AND id = ?"
                + " AND attempts < ? AND ((state = 'PENDING' AND not_before_ns <= ?) OR (state = 'IN_FLIGHT'"
                + " AND claim_until_ns < ?))")) {
            for (OutboxEntry entry : entries) {
                s.setString(1, owner.toString());
                s.setLong(2, until);
                s.setString(3, name);
                s.setString(4, entry.id().toString());
                s.setInt(5, maxAttempts);
                s.setLong(6, at);
                s.setLong(7, at);
                s.addBatch();
            }
            int[] counts = s.executeBatch();
            for (int i = 0; i < counts.length; i++) {
                // SUCCESS_NO_INFO: the driver does not say; the rows were selected FOR UPDATE in this
                // transaction, so the update took them
                taken[i] = counts[i] == 1 || counts[i] == Statement.SUCCESS_NO_INFO;
            }
        }
        return taken;
    }

    /** Abandons in-flight rows whose lease lapsed with no attempt left: their sender died on the last one. */
    private void abandonLapsed(long at) throws SQLException {
        jdbc.update("UPDATE " + table + " SET state = 'ABANDONED', claimed_by = NULL, claim_until_ns = NULL,"
                + " last_error = COALESCE(last_error, 'the lease of the last attempt lapsed') WHERE outbox_name = ?"
                + " AND state = 'IN_FLIGHT' AND claim_until_ns < ? AND attempts >= ?", s -> {
                    s.setString(1, name);
                    s.setLong(2, at);
                    s.setInt(3, maxAttempts);
                });
    }

    /**
     * Marks a row {@link OutboxState#COMPLETED}: the broker acknowledged it (whoever holds it now).
     *
     * @param id the row
     * @throws SQLException if the database could not be reached
     */
    @Override
    public void complete(MessageId id) throws SQLException {
        long now = Times.toNanos(clock.instant());
        jdbc.update("UPDATE " + table + " SET state = 'COMPLETED', claimed_by = NULL, claim_until_ns = NULL,"
                + " completed_at_ns = ? WHERE outbox_name = ? AND id = ? AND state <> 'COMPLETED'", s -> {
                    s.setLong(1, now);
                    s.setString(2, name);
                    s.setString(3, id.toString());
                });
    }

    /**
     * Marks rows {@link OutboxState#COMPLETED} in one JDBC batch: a sender's acknowledgements of a
     * whole batch at once.
     *
     * @param ids the rows
     * @throws SQLException if the database could not be reached
     */
    public void completeAll(Collection<MessageId> ids) throws SQLException {
        Objects.requireNonNull(ids, "ids");
        if (ids.isEmpty()) {
            return;
        }
        long now = Times.toNanos(clock.instant());
        jdbc.inTransaction(connection -> {
            try (PreparedStatement s = connection.prepareStatement("UPDATE " + table + " SET state = 'COMPLETED',"
                    + " claimed_by = NULL, claim_until_ns = NULL, completed_at_ns = ? WHERE outbox_name = ? AND id = ?"
                    + " AND state <> 'COMPLETED'")) {
                for (MessageId id : ids) {
                    s.setLong(1, now);
                    s.setString(2, name);
                    s.setString(3, id.toString());
                    s.addBatch();
                }
                s.executeBatch();
            }
            return null;
        });
    }

    /**
     * Reports a failed send by the row's holder: the row goes back to {@link OutboxState#PENDING},
     * claimable from {@code retryAt}, or to {@link OutboxState#ABANDONED} if its attempts are used up.
     *
     * @param id the row
     * @param owner the instance that tried to send it
     * @param error what went wrong (kept as the row's last error)
     * @param retryAt when it may be claimed again
     * @return the row's state now, or empty if {@code owner} does not hold it (its lease lapsed and
     *     another instance took it, or it was completed)
     * @throws SQLException if the database could not be reached
     */
    public Optional<OutboxState> failed(MessageId id, UUID owner, String error, Instant retryAt) throws SQLException {
        Objects.requireNonNull(error, "error");
        int updated = jdbc.update("UPDATE " + table + " SET state = CASE WHEN attempts >= ? THEN 'ABANDONED' ELSE"
                + " 'PENDING' END, claimed_by = NULL, claim_until_ns = NULL, not_before_ns = ?, last_error = ?"
                + " WHERE outbox_name = ? AND id = ? AND state = 'IN_FLIGHT' AND claimed_by = ?", s -> {
                    s.setInt(1, maxAttempts);
                    s.setLong(2, Times.toNanos(retryAt));
                    s.setString(3, error);
                    s.setString(4, name);
                    s.setString(5, id.toString());
                    s.setString(6, owner.toString());
                });
        if (updated != 1) {
            return Optional.empty();
        }
        List<String> states = jdbc.query("SELECT state FROM " + table + " WHERE outbox_name = ? AND id = ?", s -> {
            s.setString(1, name);
            s.setString(2, id.toString());
        }, r -> r.getString(1));
        return states.stream().findFirst().map(OutboxState::valueOf);
    }

    /**
     * Puts an abandoned row back: {@link OutboxState#PENDING}, attempts from zero, claimable now.
     *
     * @param id the row
     * @return true if it was abandoned
     * @throws SQLException if the database could not be reached
     */
    public boolean resubmit(MessageId id) throws SQLException {
        long now = Times.toNanos(clock.instant());
        return jdbc.update("UPDATE " + table + " SET state = 'PENDING', attempts = 0, not_before_ns = ? WHERE"
                + " outbox_name = ? AND id = ? AND state = 'ABANDONED'", s -> {
                    s.setLong(1, now);
                    s.setString(2, name);
                    s.setString(3, id.toString());
                }) == 1;
    }

    /**
     * Deletes a row that was not sent yet (pending, or abandoned).
     *
     * @param id the row
     * @return true if it was there and not in flight or completed
     * @throws SQLException if the database could not be reached
     */
    @Override
    public boolean cancel(MessageId id) throws SQLException {
        boolean deleted = jdbc.update("DELETE FROM " + table + " WHERE outbox_name = ? AND id = ? AND state IN"
                + " ('PENDING', 'ABANDONED')", s -> {
                    s.setString(1, name);
                    s.setString(2, id.toString());
                }) == 1;
        unreadables.gone(id.toString());
        return deleted;
    }

    /**
     * Deletes completed rows acknowledged before {@code before}.
     *
     * @param before the cut-off
     * @return how many were deleted
     * @throws SQLException if the database could not be reached
     */
    public int purgeCompleted(Instant before) throws SQLException {
        return jdbc.update("DELETE FROM " + table + " WHERE outbox_name = ? AND state = 'COMPLETED' AND"
                + " completed_at_ns < ?", s -> {
                    s.setString(1, name);
                    s.setLong(2, Times.toNanos(before));
                });
    }

    /**
     * Returns the rows still to be sent (pending or in flight) that read back, oldest first.
     *
     * @return the entries
     * @throws SQLException if the table could not be read
     */
    @Override
    public List<OutboxEntry> pending() throws SQLException {
        return inStates("'PENDING', 'IN_FLIGHT'");
    }

    /**
     * Returns the abandoned rows that read back, oldest first.
     *
     * @return the entries
     * @throws SQLException if the table could not be read
     */
    public List<OutboxEntry> abandoned() throws SQLException {
        return inStates("'ABANDONED'");
    }

    private List<OutboxEntry> inStates(String states) throws SQLException {
        return readAll(jdbc.query("SELECT " + COLUMNS + " FROM " + table + " WHERE outbox_name = ? AND state IN ("
                + states + ") ORDER BY created_at_ns, id", s -> s.setString(1, name), JdbcOutbox::row));
    }

    /**
     * Finds a row by id, in any state.
     *
     * @param id the row
     * @return the entry, or empty if it is not there (or cannot be read: then it is reported)
     * @throws SQLException if the table could not be read
     */
    @Override
    public Optional<OutboxEntry> find(MessageId id) throws SQLException {
        return readAll(jdbc.query("SELECT " + COLUMNS + " FROM " + table + " WHERE outbox_name = ? AND id = ?", s -> {
            s.setString(1, name);
            s.setString(2, id.toString());
        }, JdbcOutbox::row)).stream().findFirst();
    }

    /**
     * Lists a session's rows still to be sent, oldest first.
     *
     * @param sessionId the session
     * @return its pending and in-flight entries that read back
     * @throws SQLException if the table could not be read
     */
    @Override
    public List<OutboxEntry> bySession(String sessionId) throws SQLException {
        Objects.requireNonNull(sessionId, "sessionId");
        return readAll(jdbc.query("SELECT " + COLUMNS + " FROM " + table + " WHERE outbox_name = ? AND session_id = ?"
                + " AND state IN ('PENDING', 'IN_FLIGHT') ORDER BY created_at_ns, id", s -> {
                    s.setString(1, name);
                    s.setString(2, sessionId);
                }, JdbcOutbox::row));
    }

    /**
     * Counts the rows by state, unreadable ones included.
     *
     * @return a count for every state
     * @throws SQLException if the table could not be read
     */
    public Map<OutboxState, Long> counts() throws SQLException {
        Map<OutboxState, Long> counts = new EnumMap<>(OutboxState.class);
        for (OutboxState state : OutboxState.values()) {
            counts.put(state, 0L);
        }
        jdbc.query("SELECT state, COUNT(*) FROM " + table + " WHERE outbox_name = ? GROUP BY state",
                s -> s.setString(1, name), r -> counts.put(OutboxState.valueOf(r.getString(1)), r.getLong(2)));
        return counts;
    }

    /**
     * Returns the rows of this outbox seen so far that could not be read back: kept in the table,
     * left out of every answer, each logged once at ERROR.
     *
     * @return the unreadable rows
     */
    public List<UnreadableRow> unreadable() {
        return unreadables.list();
    }

    /** A row as it came from the table. */
    private record Row(String id, @Nullable String sessionId, String typeId, String payload, String headers,
            String destination, @Nullable String key, String state, int attempts, long createdAt,
            @Nullable String lastError) {
    }

    private static Row row(ResultSet r) throws SQLException {
        return new Row(r.getString(1), r.getString(2), r.getString(3), r.getString(4), r.getString(5), r.getString(6),
                r.getString(7), r.getString(8), r.getInt(9), r.getLong(10), r.getString(11));
    }

    private List<OutboxEntry> readAll(List<Row> rows) {
        List<OutboxEntry> out = new ArrayList<>(rows.size());
        for (Row row : rows) {
            OutboxEntry entry = read(row);
            if (entry != null) {
                out.add(entry);
            }
        }
        return out;
    }

    private @Nullable OutboxEntry read(Row row) {
        Decoded<Message> message = codec.decode(row.typeId, row.payload);
        Decoded<Headers> headers = codec.decodeHeaders(row.headers);
        String problem = Problems.first(new String[] {"payload", "headers"}, message, headers);
        if (problem == null && !(message.orThrow() instanceof Event)) {
            problem = "type id '" + row.typeId + "' is a command, not an event";
        }
        if (problem != null) {
            unreadables.found(row.id, row.typeId, problem);
            return null;
        }
        try {
            OutboxEntry entry = new OutboxEntry(MessageId.parse(row.id), (Event) message.orThrow(), row.sessionId,
                    headers.orThrow(), row.destination, row.key, OutboxState.valueOf(row.state), row.attempts,
                    Times.fromNanos(row.createdAt), row.lastError);
            unreadables.gone(row.id);
            return entry;
        } catch (IllegalArgumentException e) {
            unreadables.found(row.id, row.typeId, e.getMessage() == null ? e.toString() : e.getMessage());
            return null;
        }
    }

    @Override
    public String toString() {
        return "JdbcOutbox[" + table + ", outbox " + name + ", " + maxAttempts + " attempts]";
    }
}
