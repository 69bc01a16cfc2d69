package org.llmgine.bus.store.jdbc;

import java.lang.System.Logger.Level;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

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

    List<UnreadableRow> list() {
        return List.copyOf(rows.values());
    }
}
