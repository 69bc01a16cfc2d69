package org.llmgine.bus.spi;

import org.jspecify.annotations.Nullable;
import org.llmgine.bus.message.MessageId;

/**
 * An entry of a write-through store ({@link WriteThroughStore}): identified by a stable id and
 * listed by session.
 */
public interface StoredEntry {

    /**
     * Returns the entry's stable id.
     *
     * @return the id, unique in its store
     */
    MessageId id();

    /**
     * Returns the session the entry belongs to.
     *
     * @return the session id, or null for the bus scope
     */
    @Nullable String sessionId();
}
