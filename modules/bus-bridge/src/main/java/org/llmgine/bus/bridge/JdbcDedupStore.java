package org.llmgine.bus.bridge;

import java.util.Objects;
import org.llmgine.bus.bridge.spi.DedupStore;
import org.llmgine.bus.store.jdbc.JdbcProcessedMessages;

/**
 * The durable deduplication of a bridge's consumers over the store module's processed-messages
 * table ({@code JdbcStores.processedMessages()}), shared by every instance of a group. Needs module
 * {@code org.llmgine.bus.store.jdbc} on the module path.
 */
public final class JdbcDedupStore implements DedupStore {

    private final JdbcProcessedMessages table;

    private JdbcDedupStore(JdbcProcessedMessages table) {
        this.table = table;
    }

    /**
     * Deduplicates through a processed-messages table.
     *
     * @param table the table ({@code JdbcStores.processedMessages()})
     * @return the store
     */
    public static JdbcDedupStore of(JdbcProcessedMessages table) {
        return new JdbcDedupStore(Objects.requireNonNull(table, "table"));
    }

    @Override
    public boolean seen(String group, String messageId) throws Exception {
        return table.contains(group, messageId);
    }

    @Override
    public void processed(String group, String messageId) throws Exception {
        table.record(group, messageId);
    }

    @Override
    public String toString() {
        return "JdbcDedupStore[" + table + "]";
    }
}
