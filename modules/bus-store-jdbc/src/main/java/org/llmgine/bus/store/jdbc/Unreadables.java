package org.llmgine.bus.store.jdbc;

import java.lang.System.Logger.Level;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import org.llmgine.bus.codec.Decoded;
import org.llmgine.bus.codec.MessageCodec;
import org.llmgine.bus.message.Event;
import org.llmgine.bus.message.Headers;
import org.llmgine.bus.message.Message;

/**
 * The rows of one table that could not be read: kept in the table, left out of what the store
 * returns, each logged once at ERROR (logger {@code org.llmgine.bus.store.jdbc}) and listed until it
 * reads again or is gone.
 */
final class Unreadables {

    private static final System.Logger LOG = System.getLogger("org.llmgine.bus.store.jdbc");

    private final String table;
    private final ConcurrentMap<String, UnreadableRow> rows = new ConcurrentHashMap<>();

    Unreadables(String table) {
        this.table = table;
    }

    /** Records a row that did not read; logs it the first time. */
    void found(String id, String typeId, String reason) {
        UnreadableRow row = new UnreadableRow(table, id, typeId, reason);
        if (rows.put(id, row) == null) {
            LOG.log(Level.ERROR, "table " + table + ": row " + id + " (type id '" + typeId + "') cannot be read and "
                    + "is kept, not returned: " + reason);
        }
    }

    /** Forgets a row that read again or was removed. */
    void gone(String id) {
        rows.remove(id);
    }

    /** An event row's decoded payload and headers. */
    record EventColumns(Event event, Headers headers) {
    }

    /**
     * Decodes an event row's payload and headers; null if either does not read or the type is a
     * command (then the row is recorded here).
     */
    @Nullable EventColumns decodeEvent(MessageCodec codec, String id, String typeId, String payload, String headers) {
        Decoded<Message> message = codec.decode(typeId, payload);
        Decoded<Headers> decodedHeaders = codec.decodeHeaders(headers);
        String problem = Problems.first(new String[] {"payload", "headers"}, message, decodedHeaders);
        if (problem == null && !(message.orThrow() instanceof Event)) {
            problem = "type id '" + typeId + "' is a command, not an event";
        }
        if (problem != null) {
            found(id, typeId, problem);
            return null;
        }
        return new EventColumns((Event) message.orThrow(), decodedHeaders.orThrow());
    }

    /**
     * Builds a row's entry from its decoded columns; null if the entry refuses them (its
     * constructor's {@code IllegalArgumentException}, then the row is recorded here), else the row
     * reads again and is no longer listed.
     */
    <T> @Nullable T build(String id, String typeId, Supplier<T> entry) {
        try {
            T built = entry.get();
            gone(id);
            return built;
        } catch (IllegalArgumentException e) {
            found(id, typeId, e.getMessage() == null ? e.toString() : e.getMessage());
            return null;
        }
    }

    List<UnreadableRow> list() {
        return List.copyOf(rows.values());
    }
}
