package org.llmgine.bus.store.jdbc;

import java.util.Objects;

/**
 * A stored row the store could not read back (its type id has no class in the codec, or its text
 * does not decode): kept in the table, left out of what the store returns, logged once at ERROR and
 * listed by the store's {@code unreadable()} until someone deletes or repairs it.
 *
 * @param table the table
 * @param id the row's id
 * @param typeId the type id it was written under
 * @param reason why it could not be read
 */
public record UnreadableRow(String table, String id, String typeId, String reason) {

    /**
     * Validates the record.
     *
     * @param table the table
     * @param id the id
     * @param typeId the type id
     * @param reason the reason
     */
    public UnreadableRow {
        Objects.requireNonNull(table, "table");
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(typeId, "typeId");
        Objects.requireNonNull(reason, "reason");
    }
}
