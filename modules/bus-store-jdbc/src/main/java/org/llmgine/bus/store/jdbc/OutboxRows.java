package org.llmgine.bus.store.jdbc;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.llmgine.bus.codec.MessageCodec;
import org.llmgine.bus.message.MessageId;

/**
 * The rows of one outbox read back: the columns an outbox selects, a row as it came from the table,
 * and the entry it decodes to (or, for a row that does not decode, its report as unreadable).
 */
final class OutboxRows {

    /** The columns an outbox selects, in {@link Row}'s order. */
    static final String COLUMNS = "id, session_id, type_id, payload, headers, destination, record_key, state,"
            + " attempts, created_at_ns, last_error";

    private final MessageCodec codec;
    private final Unreadables unreadables;

    OutboxRows(MessageCodec codec, Unreadables unreadables) {
        this.codec = codec;
        this.unreadables = unreadables;
    }

    Unreadables unreadables() {
        return unreadables;
    }

    /** A row as it came from the table. */
    record Row(String id, @Nullable String sessionId, String typeId, String payload, String headers,
            String destination, @Nullable String key, String state, int attempts, long createdAt,
            @Nullable String lastError) {
    }

    static Row row(ResultSet r) throws SQLException {
        return new Row(r.getString(1), r.getString(2), r.getString(3), r.getString(4), r.getString(5), r.getString(6),
                r.getString(7), r.getString(8), r.getInt(9), r.getLong(10), r.getString(11));
    }

    List<OutboxEntry> readAll(List<Row> rows) {
        List<OutboxEntry> out = new ArrayList<>(rows.size());
        for (Row row : rows) {
            OutboxEntry entry = read(row);
            if (entry != null) {
                out.add(entry);
            }
        }
        return out;
    }

    @Nullable OutboxEntry read(Row row) {
        Unreadables.EventColumns columns = unreadables.decodeEvent(codec, row.id, row.typeId, row.payload, row.headers);
        if (columns == null) {
            return null;
        }
        return unreadables.build(row.id, row.typeId, () -> new OutboxEntry(MessageId.parse(row.id), columns.event(),
                row.sessionId, columns.headers(), row.destination, row.key, OutboxState.valueOf(row.state), row.attempts,
                Times.fromNanos(row.createdAt), row.lastError));
    }
}
