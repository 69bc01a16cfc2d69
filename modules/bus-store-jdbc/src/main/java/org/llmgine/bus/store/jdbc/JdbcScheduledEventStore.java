package org.llmgine.bus.store.jdbc;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import org.jspecify.annotations.Nullable;
import org.llmgine.bus.codec.Encoded;
import org.llmgine.bus.codec.MessageCodec;
import org.llmgine.bus.message.MessageId;
import org.llmgine.bus.spi.ScheduledEventStore;
import org.llmgine.bus.spi.StoredScheduledEvent;

/**
 * Scheduled events in a table, shared by every bus on the database: a row is inserted when an
 * event is scheduled, claimed by the instance that fires it (a conditional update: pending and
 * unclaimed, already its own, or its lease lapsed), deleted when it fired or was cancelled. A
 * starting bus loads every row. Rows that cannot be read back are kept and reported
 * ({@link #unreadable()}), never deleted by the store. Made by {@link JdbcStores#scheduledEvents()}.
 */
public final class JdbcScheduledEventStore implements ScheduledEventStore {

    private static final String COLUMNS = "id, session_id, type_id, payload, headers, priority, due_at_ns";

    private final Jdbc jdbc;
    private final MessageCodec codec;
    private final Dialect dialect;
    private final String table;
    private final InstantSource clock;
    private final Unreadables unreadables;

    JdbcScheduledEventStore(Jdbc jdbc, MessageCodec codec, Dialect dialect, String table, InstantSource clock) {
        this.jdbc = jdbc;
        this.codec = codec;
        this.dialect = dialect;
        this.table = table;
        this.clock = clock;
        this.unreadables = new Unreadables(table);
    }

    /**
     * Inserts the entry.
     *
     * @param entry the scheduled event
     * @throws SQLException if the row could not be inserted (an id already there among them)
     * @throws org.llmgine.bus.codec.CodecException if the codec cannot write the event
     */
    @Override
    public void add(StoredScheduledEvent entry) throws SQLException {
        Encoded encoded = codec.encode(entry.event());
        String headers = codec.encodeHeaders(entry.headers());
        jdbc.update("INSERT INTO " + table + " (" + COLUMNS + ", created_at_ns) VALUES (?, ?, ?, ?, ?, ?, ?, ?)", s -> {
            s.setString(1, entry.id().toString());
            Jdbc.setNullable(s, 2, entry.sessionId());
            s.setString(3, encoded.typeId());
            s.setString(4, encoded.payload());
            s.setString(5, headers);
            s.setInt(6, entry.priority());
            s.setLong(7, Times.toNanos(entry.dueAt()));
            s.setLong(8, Times.toNanos(clock.instant()));
        });
    }

    /**
     * Claims the entry for {@code owner} if it is unclaimed, already {@code owner}'s, or its lease
     * lapsed before {@code now}: one conditional update, so two instances never both hold it.
     *
     * @param id the entry
     * @param owner the claiming instance
     * @param now the claimer's time
     * @param until when the claim lapses
     * @return true if {@code owner} holds the claim now
     * @throws SQLException if the database could not be reached
     */
    @Override
    public boolean claim(MessageId id, UUID owner, Instant now, Instant until) throws SQLException {
        return jdbc.update("UPDATE " + table + " SET claimed_by = ?, claim_until_ns = ? WHERE id = ?"
                + " AND (claimed_by IS NULL OR claimed_by = ? OR claim_until_ns < ?)", s -> {
                    s.setString(1, owner.toString());
                    s.setLong(2, Times.toNanos(until));
                    s.setString(3, id.toString());
                    s.setString(4, owner.toString());
                    s.setLong(5, Times.toNanos(now));
                }) == 1;
    }

    /**
     * Claims up to {@code limit} entries due by {@code now} that nobody holds (or whose lease
     * lapsed), oldest due first, and returns them. On PostgreSQL, H2 and MariaDB the rows are
     * selected {@code FOR UPDATE SKIP LOCKED}, so instances claiming at once take different rows
     * without waiting for each other; on SQLite the database serializes the claims. Entries that
     * cannot be read are left unclaimed and reported.
     *
     * @param owner the claiming instance
     * @param now the claimer's time
     * @param until when the claims lapse
     * @param limit at most this many, at least 1
     * @return the entries now held by {@code owner}, in due order
     * @throws SQLException if the database could not be reached
     */
    @Override
    public List<StoredScheduledEvent> claimDue(UUID owner, Instant now, Instant until, int limit) throws SQLException {
        if (limit < 1) {
            throw new IllegalArgumentException("limit must be at least 1, but was " + limit);
        }
        long nowNanos = Times.toNanos(now);
        if (dialect == Dialect.SQLITE) {
            // one statement: SQLite takes its write lock at once (and waits for it per busy_timeout),
            // where a read followed by a write in one transaction could fail with SQLITE_BUSY
            return readAll(jdbc.query("UPDATE " + table + " SET claimed_by = ?, claim_until_ns = ? WHERE id IN"
                    + " (SELECT id FROM " + table + " WHERE due_at_ns <= ? AND (claimed_by IS NULL OR claim_until_ns < ?)"
                    + " ORDER BY due_at_ns, id LIMIT ?) RETURNING " + COLUMNS, s -> {
                        s.setString(1, owner.toString());
                        s.setLong(2, Times.toNanos(until));
                        s.setLong(3, nowNanos);
                        s.setLong(4, nowNanos);
                        s.setInt(5, limit);
                    }, JdbcScheduledEventStore::row)).stream()
                    .sorted(Comparator.comparing(StoredScheduledEvent::dueAt)
                            .thenComparing(e -> e.id().toString()))
                    .toList();
        }
        String select = "SELECT " + COLUMNS + " FROM " + table + " WHERE due_at_ns <= ? AND (claimed_by IS NULL"
                + " OR claim_until_ns < ?) ORDER BY due_at_ns, id LIMIT ?" + (dialect.supportsSkipLocked()
                ? " FOR UPDATE SKIP LOCKED" : "");
        return jdbc.inTransaction(connection -> {
            List<Row> due = Jdbc.query(connection, select, s -> {
                s.setLong(1, nowNanos);
                s.setLong(2, nowNanos);
                s.setInt(3, limit);
            }, JdbcScheduledEventStore::row);
            List<StoredScheduledEvent> claimed = new ArrayList<>();
            for (Row row : due) {
                StoredScheduledEvent entry = read(row);
                if (entry == null) {
                    continue;
                }
                int updated = Jdbc.update(connection, "UPDATE " + table + " SET claimed_by = ?, claim_until_ns = ?"
                        + " WHERE id = ? AND (claimed_by IS NULL OR claim_until_ns < ?)", s -> {
                            s.setString(1, owner.toString());
                            s.setLong(2, Times.toNanos(until));
                            s.setString(3, row.id);
                            s.setLong(4, nowNanos);
                        });
                if (updated == 1) {
                    claimed.add(entry);
                }
            }
            return claimed;
        });
    }

    /**
     * Deletes the entry: it fired.
     *
     * @param id the entry
     * @throws SQLException if the database could not be reached
     */
    @Override
    public void complete(MessageId id) throws SQLException {
        delete(id);
    }

    /**
     * Deletes the entry if it is still there.
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
        boolean deleted = jdbc.update("DELETE FROM " + table + " WHERE id = ?", s -> s.setString(1, key)) == 1;
        unreadables.gone(key);
        return deleted;
    }

    /**
     * Returns every entry (claimed or not) that reads back; the others are reported.
     *
     * @return the entries, in due order
     * @throws SQLException if the table could not be read
     */
    @Override
    public List<StoredScheduledEvent> pending() throws SQLException {
        return readAll(jdbc.query("SELECT " + COLUMNS + " FROM " + table + " ORDER BY due_at_ns, id", s -> { },
                JdbcScheduledEventStore::row));
    }

    /**
     * Finds an entry by id.
     *
     * @param id the entry
     * @return the entry, or empty if it is not there (or cannot be read: then it is reported)
     * @throws SQLException if the table could not be read
     */
    @Override
    public Optional<StoredScheduledEvent> find(MessageId id) throws SQLException {
        return readAll(jdbc.query("SELECT " + COLUMNS + " FROM " + table + " WHERE id = ?",
                s -> s.setString(1, id.toString()), JdbcScheduledEventStore::row)).stream().findFirst();
    }

    /**
     * Lists a session's entries.
     *
     * @param sessionId the session
     * @return its entries that read back, in due order
     * @throws SQLException if the table could not be read
     */
    @Override
    public List<StoredScheduledEvent> bySession(String sessionId) throws SQLException {
        Objects.requireNonNull(sessionId, "sessionId");
        return readAll(jdbc.query("SELECT " + COLUMNS + " FROM " + table + " WHERE session_id = ? ORDER BY due_at_ns, id",
                s -> s.setString(1, sessionId), JdbcScheduledEventStore::row));
    }

    /**
     * Returns the rows seen so far that could not be read back: kept in the table, left out of
     * every answer, each logged once at ERROR.
     *
     * @return the unreadable rows
     */
    public List<UnreadableRow> unreadable() {
        return unreadables.list();
    }

    /** A row as it came from the table. */
    private record Row(String id, @Nullable String sessionId, String typeId, String payload, String headers,
            int priority, long dueAtNanos) {
    }

    private static Row row(ResultSet r) throws SQLException {
        return new Row(r.getString(1), r.getString(2), r.getString(3), r.getString(4), r.getString(5), r.getInt(6),
                r.getLong(7));
    }

    private List<StoredScheduledEvent> readAll(List<Row> rows) {
        List<StoredScheduledEvent> out = new ArrayList<>(rows.size());
        for (Row row : rows) {
            StoredScheduledEvent entry = read(row);
            if (entry != null) {
                out.add(entry);
            }
        }
        return out;
    }

    /** The entry of a row, or null if it does not read (then it is reported). */
    private @Nullable StoredScheduledEvent read(Row row) {
        MessageId id;
        try {
            id = MessageId.parse(row.id);
        } catch (IllegalArgumentException e) {
            unreadables.found(row.id, row.typeId, "the id does not parse: " + e.getMessage());
            return null;
        }
        Unreadables.EventColumns columns = unreadables.decodeEvent(codec, row.id, row.typeId, row.payload, row.headers);
        if (columns == null) {
            return null;
        }
        return unreadables.build(row.id, row.typeId, () -> new StoredScheduledEvent(id, columns.event(), row.sessionId,
                Times.fromNanos(row.dueAtNanos), columns.headers(), row.priority));
    }

    @Override
    public String toString() {
        return "JdbcScheduledEventStore[" + table + ", " + dialect + "]";
    }
}
