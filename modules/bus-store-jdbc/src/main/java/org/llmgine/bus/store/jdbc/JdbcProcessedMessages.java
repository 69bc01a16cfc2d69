package org.llmgine.bus.store.jdbc;

import java.sql.SQLException;
import java.time.Instant;
import java.time.InstantSource;
import java.util.Objects;

/**
 * The message ids a consumer group has processed, in table {@code <prefix>processed_messages}:
 * the durable half of a bridge's deduplication, shared by every instance of the group, so a record
 * redelivered to another instance after a rebalance or a crash is recognised there too. A row is
 * written once the message's handlers ran ({@link #record}); {@link #contains} is asked when the
 * record arrives. Rows grow with traffic: purge those older than the longest redelivery you expect
 * ({@link #purgeBefore}).
 */
public final class JdbcProcessedMessages {

    private final Jdbc jdbc;
    private final String table;
    private final InstantSource clock;

    JdbcProcessedMessages(Jdbc jdbc, String table, InstantSource clock) {
        this.jdbc = jdbc;
        this.table = table;
        this.clock = clock;
    }

    /**
     * Tells whether the group processed the message.
     *
     * @param group the consumer group
     * @param messageId the message's id
     * @return true if a row records it
     * @throws SQLException if the database could not be reached
     */
    public boolean contains(String group, String messageId) throws SQLException {
        Objects.requireNonNull(group, "group");
        Objects.requireNonNull(messageId, "messageId");
        return !jdbc.query("SELECT 1 FROM " + table + " WHERE message_id = ? AND consumer_group = ?", s -> {
            s.setString(1, messageId);
            s.setString(2, group);
        }, r -> r.getInt(1)).isEmpty();
    }

    /**
     * Records that the group processed the message.
     *
     * @param group the consumer group
     * @param messageId the message's id
     * @return true if this call wrote the row, false if it was there already
     * @throws SQLException if the database could not be reached
     */
    public boolean record(String group, String messageId) throws SQLException {
        Objects.requireNonNull(group, "group");
        Objects.requireNonNull(messageId, "messageId");
        long now = Times.toNanos(clock.instant());
        try {
            return jdbc.update("INSERT INTO " + table + " (message_id, consumer_group, processed_at_ns) VALUES (?, ?, ?)",
                    s -> {
                        s.setString(1, messageId);
                        s.setString(2, group);
                        s.setLong(3, now);
                    }) == 1;
        } catch (SQLException e) {
            if (e instanceof java.sql.SQLIntegrityConstraintViolationException
                    || (e.getSQLState() != null && e.getSQLState().startsWith("23"))
                    || (e.getErrorCode() == 19 && String.valueOf(e.getMessage()).contains("UNIQUE"))) { // SQLite
                return false; // an integrity violation: the row is there (another instance, or a redelivery)
            }
            throw e;
        }
    }

    /**
     * Deletes the rows recorded before {@code before}.
     *
     * @param before the cut-off
     * @return how many were deleted
     * @throws SQLException if the database could not be reached
     */
    public int purgeBefore(Instant before) throws SQLException {
        long cut = Times.toNanos(before);
        return jdbc.update("DELETE FROM " + table + " WHERE processed_at_ns < ?", s -> s.setLong(1, cut));
    }

    @Override
    public String toString() {
        return "JdbcProcessedMessages[" + table + "]";
    }
}
