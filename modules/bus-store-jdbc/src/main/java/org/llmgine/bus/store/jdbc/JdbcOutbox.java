package org.llmgine.bus.store.jdbc;

import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Instant;
import java.time.InstantSource;
import java.util.Collection;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import org.llmgine.bus.codec.Encoded;
import org.llmgine.bus.codec.MessageCodec;
import org.llmgine.bus.message.MessageId;
import org.llmgine.bus.spi.WriteThroughStore;

/**
 * An outbox in a table: events accepted for externalization, written before they are sent, so a
 * crash between acceptance and the broker's acknowledgement loses nothing. A sender claims a batch
 * ({@link #claimBatch}: the rows become {@link OutboxState#IN_FLIGHT} with a lease, their attempts
 * counted), sends them, and {@linkplain #complete completes} each on acknowledgement (or a batch's
 * at once, {@link #completeAll}) or reports
 * {@linkplain #failed a failure} (back to {@link OutboxState#PENDING} after a delay, or
 * {@link OutboxState#ABANDONED} once the attempts run out). A row whose sender died is claimable
 * again when its lease lapses; so each row is sent by one instance at a time, at least once.
 * Abandoned rows are kept and can be {@linkplain #resubmit resubmitted}; completed ones stay until
 * {@linkplain #purgeCompleted purged}. Made by {@link JdbcStores#outbox(String, int)}.
 */
public final class JdbcOutbox implements WriteThroughStore<OutboxEntry> {


    private final Jdbc jdbc;
    private final MessageCodec codec;
    private final String name;
    private final String table;
    private final int maxAttempts;
    private final InstantSource clock;

    private final Dialect dialect;
    private final OutboxRows rows;
    private final OutboxClaims claims;

    JdbcOutbox(Jdbc jdbc, MessageCodec codec, Dialect dialect, String name, String table, int maxAttempts,
            InstantSource clock) {
        this.jdbc = jdbc;
        this.codec = codec;
        this.name = name;
        this.table = table;
        this.maxAttempts = maxAttempts;
        this.clock = clock;
        this.rows = new OutboxRows(codec, new Unreadables(table + "[" + name + "]"));
        this.dialect = dialect;
        this.claims = new OutboxClaims(jdbc, dialect, name, table, maxAttempts, rows);
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
     * Claims up to {@code limit} rows to send: in-flight rows whose lease lapsed first (their sender
     * died), then pending rows whose delay passed, earliest claimable first; each gets an attempt
     * counted. On PostgreSQL, H2 and MariaDB
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
        return claims.claimBatch(owner, now, until, limit);
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
        Jdbc.Transaction<Void> batch = connection -> {
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
        };
        if (dialect == Dialect.MARIADB) {
            // each row on its own: InnoDB's row and index locks of a many-row transaction deadlock
            // with concurrent claimers; one row at a time holds one lock at a time
            jdbc.autocommit(batch);
        } else {
            // a JDBC batch of updates by primary key: one plan whatever the planner knows (H2 ran an
            // IN list 7x slower; PostgreSQL without statistics scanned the whole outbox for one)
            jdbc.inTransaction(batch);
        }
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
        rows.unreadables().gone(id.toString());
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
        return rows.readAll(jdbc.query("SELECT " + OutboxRows.COLUMNS + " FROM " + table + " WHERE outbox_name = ? AND state IN ("
                + states + ") ORDER BY created_at_ns, id", s -> s.setString(1, name), OutboxRows::row));
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
        return rows.readAll(jdbc.query("SELECT " + OutboxRows.COLUMNS + " FROM " + table + " WHERE outbox_name = ? AND id = ?", s -> {
            s.setString(1, name);
            s.setString(2, id.toString());
        }, OutboxRows::row)).stream().findFirst();
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
        return rows.readAll(jdbc.query("SELECT " + OutboxRows.COLUMNS + " FROM " + table + " WHERE outbox_name = ? AND session_id = ?"
                + " AND state IN ('PENDING', 'IN_FLIGHT') ORDER BY created_at_ns, id", s -> {
                    s.setString(1, name);
                    s.setString(2, sessionId);
                }, OutboxRows::row));
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
        return rows.unreadables().list();
    }

    @Override
    public String toString() {
        return "JdbcOutbox[" + table + ", outbox " + name + ", " + maxAttempts + " attempts]";
    }
}
