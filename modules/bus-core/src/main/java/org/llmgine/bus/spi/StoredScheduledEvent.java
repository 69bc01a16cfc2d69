package org.llmgine.bus.spi;

import java.time.Instant;
import java.util.Objects;
import org.jspecify.annotations.Nullable;
import org.llmgine.bus.handler.Priority;
import org.llmgine.bus.message.Event;
import org.llmgine.bus.message.Headers;
import org.llmgine.bus.message.MessageId;

/**
 * A scheduled event as its store keeps it.
 *
 * @param id the entry's stable id (kind {@code SCHEDULED}); it stays the same across restarts
 * @param event the event
 * @param sessionId its session, or null for the bus scope
 * @param dueAt when it is due
 * @param headers its headers
 * @param priority its priority
 */
public record StoredScheduledEvent(MessageId id, Event event, @Nullable String sessionId, Instant dueAt,
        Headers headers, int priority) implements StoredEntry {

    /**
     * Validates the record.
     *
     * @param id the entry id
     * @param event the event
     * @param sessionId the session or null
     * @param dueAt the due time
     * @param headers the headers
     * @param priority the priority
     */
    public StoredScheduledEvent {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(event, "event");
        Objects.requireNonNull(dueAt, "dueAt");
        Objects.requireNonNull(headers, "headers");
        Priority.check(priority);
    }
}
