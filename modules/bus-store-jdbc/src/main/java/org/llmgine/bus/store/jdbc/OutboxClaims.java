package org.llmgine.bus.store.jdbc;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.UUID;

/**
 * How an outbox claims a batch: {@code FOR UPDATE SKIP LOCKED} and one JDBC batch of conditional
 * updates by primary key where the database has it, one {@code UPDATE ... RETURNING} statement on
 * SQLite; and the abandonment of rows whose last attempt's lease lapsed. The updates go row by row
 * on the full key, not as one set-based join of the picked ids: a lookup by the whole primary key
 * has one plan whatever the planner knows, where PostgreSQL without statistics (a new table) joined
 * the picked ids to a sequential scan of the whole outbox (45 ms for 100 rows among 1,000;
 * ARCHITECTURE.md, "Claims").
 */
final class OutboxClaims {

    private final Jdbc jdbc;
    private final Dialect dialect;
    private final String name;
    private final String table;
    private final int maxAttempts;
    private final OutboxRows rows;

    OutboxClaims(Jdbc jdbc, Dialect dialect, String name, String table, int maxAttempts, OutboxRows rows) {
        this.jdbc = jdbc;
        this.dialect = dialect;
        this.name = name;
        this.table = table;
        this.maxAttempts = maxAttempts;
        this.rows = rows;
    }

    /** Claims up to {@code limit} rows for {@code owner}; see {@link JdbcOutbox#claimBatch}. */
    List<OutboxEntry> claimBatch(UUID owner, Instant now, Instant until, int limit) throws SQLException {
        long at = Times.toNanos(now);
        if (dialect == Dialect.SQLITE) {
            abandonLapsed(at);
            // one statement: SQLite takes its write lock at once (and waits for it per busy_timeout),
            // where a read followed by a write in one transaction could fail with SQLITE_BUSY
            return rows.readAll(jdbc.query("UPDATE " + table + " SET state = 'IN_FLIGHT', claimed_by = ?, claim_until_ns = ?,"
                    + " attempts = attempts + 1 WHERE outbox_name = ? AND id IN (SELECT id FROM " + table
                    + " WHERE outbox_name = ? AND attempts < ? AND ((state = 'PENDING' AND not_before_ns <= ?)"
                    + " OR (state = 'IN_FLIGHT' AND claim_until_ns < ?)) ORDER BY not_before_ns, id LIMIT ?)"
                    + " RETURNING " + OutboxRows.COLUMNS, s -> {
                        s.setString(1, owner.toString());
                        s.setLong(2, Times.toNanos(until));
                        s.setString(3, name);
                        s.setString(4, name);
                        s.setInt(5, maxAttempts);
                        s.setLong(6, at);
                        s.setLong(7, at);
                        s.setInt(8, limit);
                    }, OutboxRows::row)).stream()
                    .sorted(Comparator.comparing(OutboxEntry::createdAt).thenComparing(e -> e.id().toString()))
                    .toList();
        }
        // Two index range scans rather than one OR (which scans the whole outbox, completed rows and
        // all): rows whose sender's lease lapsed first, then pending rows, earliest claimable first.
        String lock = dialect.supportsSkipLocked() ? " FOR UPDATE SKIP LOCKED" : "";
        String lapsed = "SELECT " + OutboxRows.COLUMNS + " FROM " + table + " WHERE outbox_name = ? AND state = 'IN_FLIGHT'"
                + " AND claim_until_ns < ? ORDER BY claim_until_ns, id LIMIT ?" + lock;
        String due = "SELECT " + OutboxRows.COLUMNS + " FROM " + table + " WHERE outbox_name = ? AND state = 'PENDING'"
                + " AND not_before_ns <= ? ORDER BY not_before_ns, id LIMIT ?" + lock;
        return jdbc.inTransaction(connection -> {
            abandonLapsed(connection, at);
            List<OutboxRows.Row> candidates = new ArrayList<>(Jdbc.query(connection, lapsed, s -> {
                s.setString(1, name);
                s.setLong(2, at);
                s.setInt(3, limit);
            }, OutboxRows::row));
            if (candidates.size() < limit) {
                int left = limit - candidates.size();
                candidates.addAll(Jdbc.query(connection, due, s -> {
                    s.setString(1, name);
                    s.setLong(2, at);
                    s.setInt(3, left);
                }, OutboxRows::row));
            }
            List<OutboxEntry> readable = new ArrayList<>();
            for (OutboxRows.Row row : candidates) {
                OutboxEntry entry = rows.read(row);
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
        jdbc.autocommit(connection -> {
            abandonLapsed(connection, at);
            return null;
        });
    }

    private void abandonLapsed(Connection connection, long at) throws SQLException {
        Jdbc.update(connection, "UPDATE " + table + " SET state = 'ABANDONED', claimed_by = NULL, claim_until_ns = NULL,"
                + " last_error = COALESCE(last_error, 'the lease of the last attempt lapsed') WHERE outbox_name = ?"
                + " AND state = 'IN_FLIGHT' AND claim_until_ns < ? AND attempts >= ?", s -> {
                    s.setString(1, name);
                    s.setLong(2, at);
                    s.setInt(3, maxAttempts);
                });
    }
}
