package org.llmgine.bus.store.jdbc;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import org.jspecify.annotations.Nullable;
import org.llmgine.bus.codec.Decoded;
import org.llmgine.bus.codec.Encoded;
import org.llmgine.bus.codec.MessageCodec;
import org.llmgine.bus.message.FailureCause;
import org.llmgine.bus.message.Headers;
import org.llmgine.bus.message.Message;
import org.llmgine.bus.message.MessageId;
import org.llmgine.bus.resilience.DeadLetter;
import org.llmgine.bus.resilience.DeadLetterStore;

/**
 * The entries of one dead letter queue in a table, shared by the queues of that name on every
 * instance: a row is inserted when the queue adds an entry, claimed (a conditional update with a
 * lease) before a replay so two instances never replay it at once, deleted when it was replayed with
 * success, purged or evicted. The queue's bound, order, sequencing and replay stay the queue's own
 * ({@code DeadLetterQueue}); a queue built with this store loads its entries from it. Rows that
 * cannot be read back are kept and reported ({@link #unreadable()}). Made by
 * {@link JdbcStores#deadLetters(String)}.
 */
public final class JdbcDeadLetterStore implements DeadLetterStore {

    private static final String COLUMNS = "id, message_id, session_id, type_id, payload, headers, priority, handler,"
            + " cause, attempts, first_failure_ns, last_failure_ns, enqueued_at_ns, held_behind";

    private final Jdbc jdbc;
    private final MessageCodec codec;
    private final String queue;
    private final String table;
    private final Unreadables unreadables;

    JdbcDeadLetterStore(Jdbc jdbc, MessageCodec codec, String queue, String table) {
        this.jdbc = jdbc;
        this.codec = codec;
        this.queue = queue;
        this.table = table;
        this.unreadables = new Unreadables(table + "[" + queue + "]");
    }

    /**
     * Returns the queue's name: its rows are those with this {@code queue_name}.
     *
     * @return the name
     */
    public String queueName() {
        return queue;
    }

    /**
     * Inserts the entry.
     *
     * @param entry the dead letter
     * @throws SQLException if the row could not be inserted
     * @throws org.llmgine.bus.codec.CodecException if the codec cannot write its message or cause
     */
    @Override
    public void add(DeadLetter entry) throws SQLException {
        Encoded message = codec.encode(entry.message());
        String headers = codec.encodeHeaders(entry.headers());
        String cause = codec.encodeCause(entry.cause());
        MessageId behind = entry.heldBehind();
        jdbc.update("INSERT INTO " + table + " (queue_name, " + COLUMNS + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?,"
                + " ?, ?, ?, ?)", s -> {
                    s.setString(1, queue);
                    s.setString(2, entry.id().toString());
                    s.setString(3, entry.messageId().toString());
                    Jdbc.setNullable(s, 4, entry.sessionId());
                    s.setString(5, message.typeId());
                    s.setString(6, message.payload());
                    s.setString(7, headers);
                    s.setInt(8, entry.priority());
                    Jdbc.setNullable(s, 9, entry.handler());
                    s.setString(10, cause);
                    s.setInt(11, entry.attempts());
                    s.setLong(12, Times.toNanos(entry.firstFailure()));
                    s.setLong(13, Times.toNanos(entry.lastFailure()));
                    s.setLong(14, Times.toNanos(entry.enqueuedAt()));
                    Jdbc.setNullable(s, 15, behind == null ? null : behind.toString());
                });
    }

    /**
     * Claims the entry for {@code owner} (before a replay) if it is unclaimed, already
     * {@code owner}'s, or its lease lapsed before {@code now}.
     *
     * @param id the entry
     * @param owner the replaying instance
     * @param now the claimer's time
     * @param until when the claim lapses
     * @return true if {@code owner} holds the claim now
     * @throws SQLException if the database could not be reached
     */
    @Override
    public boolean claim(MessageId id, UUID owner, Instant now, Instant until) throws SQLException {
        return jdbc.update("UPDATE " + table + " SET claimed_by = ?, claim_until_ns = ? WHERE queue_name = ? AND id = ?"
                + " AND (claimed_by IS NULL OR claimed_by = ? OR claim_until_ns < ?)", s -> {
                    s.setString(1, owner.toString());
                    s.setLong(2, Times.toNanos(until));
                    s.setString(3, queue);
                    s.setString(4, id.toString());
                    s.setString(5, owner.toString());
                    s.setLong(6, Times.toNanos(now));
                }) == 1;
    }

    /**
     * Deletes the entry: it was replayed with success.
     *
     * @param id the entry
     * @throws SQLException if the database could not be reached
     */
    @Override
    public void complete(MessageId id) throws SQLException {
        delete(id);
    }

    /**
     * Deletes the entry (purged, evicted, or replaced by its next failure).
     *
     * @param id the entry
     * @return true if it was there
     * @throws SQLException if the database could not be reached
     */
    @Override
    public boolean cancel(MessageId id) throws SQLException {
        return delete(id);
    }

    private boolean delete(MessageId id) throws SQLException {
        String key = id.toString();
        boolean deleted = jdbc.update("DELETE FROM " + table + " WHERE queue_name = ? AND id = ?", s -> {
            s.setString(1, queue);
            s.setString(2, key);
        }) == 1;
        unreadables.gone(key);
        return deleted;
    }

    /**
     * Returns every entry of the queue that reads back, in the queue's order (enqueue time, then id).
     *
     * @return the entries
     * @throws SQLException if the table could not be read
     */
    @Override
    public List<DeadLetter> pending() throws SQLException {
        return readAll(jdbc.query("SELECT " + COLUMNS + " FROM " + table + " WHERE queue_name = ?"
                + " ORDER BY enqueued_at_ns, id", s -> s.setString(1, queue), JdbcDeadLetterStore::row));
    }

    /**
     * Finds an entry by id.
     *
     * @param id the entry
     * @return the entry, or empty if it is not there (or cannot be read: then it is reported)
     * @throws SQLException if the table could not be read
     */
    @Override
    public Optional<DeadLetter> find(MessageId id) throws SQLException {
        return readAll(jdbc.query("SELECT " + COLUMNS + " FROM " + table + " WHERE queue_name = ? AND id = ?", s -> {
            s.setString(1, queue);
            s.setString(2, id.toString());
        }, JdbcDeadLetterStore::row)).stream().findFirst();
    }

    /**
     * Lists a session's entries.
     *
     * @param sessionId the session
     * @return its entries that read back, in the queue's order
     * @throws SQLException if the table could not be read
     */
    @Override
    public List<DeadLetter> bySession(String sessionId) throws SQLException {
        Objects.requireNonNull(sessionId, "sessionId");
        return readAll(jdbc.query("SELECT " + COLUMNS + " FROM " + table + " WHERE queue_name = ? AND session_id = ?"
                + " ORDER BY enqueued_at_ns, id", s -> {
                    s.setString(1, queue);
                    s.setString(2, sessionId);
                }, JdbcDeadLetterStore::row));
    }

    /**
     * Returns the rows of this queue seen so far that could not be read back: kept in the table,
     * left out of every answer, each logged once at ERROR.
     *
     * @return the unreadable rows
     */
    public List<UnreadableRow> unreadable() {
        return unreadables.list();
    }

    /** A row as it came from the table. */
    private record Row(String id, String messageId, @Nullable String sessionId, String typeId, String payload,
            String headers, int priority, @Nullable String handler, String cause, int attempts, long firstFailure,
            long lastFailure, long enqueuedAt, @Nullable String heldBehind) {
    }

    private static Row row(ResultSet r) throws SQLException {
        return new Row(r.getString(1), r.getString(2), r.getString(3), r.getString(4), r.getString(5), r.getString(6),
                r.getInt(7), r.getString(8), r.getString(9), r.getInt(10), r.getLong(11), r.getLong(12), r.getLong(13),
                r.getString(14));
    }

    private List<DeadLetter> readAll(List<Row> rows) {
        List<DeadLetter> out = new ArrayList<>(rows.size());
        for (Row row : rows) {
            DeadLetter entry = read(row);
            if (entry != null) {
                out.add(entry);
            }
        }
        return out;
    }

    /** The entry of a row, or null if it does not read (then it is reported). */
    private @Nullable DeadLetter read(Row row) {
        Decoded<Message> message = codec.decode(row.typeId, row.payload);
        Decoded<Headers> headers = codec.decodeHeaders(row.headers);
        Decoded<FailureCause> cause = codec.decodeCause(row.cause);
        String problem = Problems.first(new String[] {"payload", "headers", "cause"}, message, headers, cause);
        if (problem != null) {
            unreadables.found(row.id, row.typeId, problem);
            return null;
        }
        try {
            DeadLetter entry = new DeadLetter(MessageId.parse(row.id), MessageId.parse(row.messageId),
                    message.orThrow(), row.sessionId, headers.orThrow(), row.priority, row.handler, cause.orThrow(),
                    row.attempts, Times.fromNanos(row.firstFailure), Times.fromNanos(row.lastFailure),
                    Times.fromNanos(row.enqueuedAt), row.heldBehind == null ? null : MessageId.parse(row.heldBehind));
            unreadables.gone(row.id);
            return entry;
        } catch (IllegalArgumentException e) {
            unreadables.found(row.id, row.typeId, e.getMessage() == null ? e.toString() : e.getMessage());
            return null;
        }
    }

    @Override
    public String toString() {
        return "JdbcDeadLetterStore[" + table + ", queue " + queue + "]";
    }
}
