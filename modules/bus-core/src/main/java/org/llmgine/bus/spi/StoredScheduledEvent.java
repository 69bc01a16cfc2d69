package org.llmgine.bus.spi;

import java.time.Instant;
import java.util.Objects;
import org.jspecify.annotations.Nullable;
import org.llmgine.bus.handler.Priority;
import org.llmgine.bus.message.Event;
import org.llmgine.bus.message.Headers;

/**
 * A scheduled event that was still pending when its bus closed, as handed to a
 * {@link ScheduledEventStore}.
 *
 * @param event the event
 * @param sessionId its session, or null for the bus scope
 * @param dueAt when it is due
 * @param headers its headers
 * @param priority its priority
 */
public record StoredScheduledEvent(Event event, @Nullable String sessionId, Instant dueAt, Headers headers,
        int priority) {

    /**
     * Validates the record.
     *
     * @param event the event
     * @param sessionId the session or null
     * @param dueAt the due time
     * @param headers the headers
     * @param priority the priority
     */
    public StoredScheduledEvent {
        Objects.requireNonNull(event, "event");
        Objects.requireNonNull(dueAt, "dueAt");
        Objects.requireNonNull(headers, "headers");
        Priority.check(priority);
    }
}
