package org.llmgine.bus;

import java.util.Objects;
import org.jspecify.annotations.Nullable;
import org.llmgine.bus.message.Event;
import org.llmgine.bus.message.Headers;

/**
 * An accepted event that close() handed back because no handler had started on it before the
 * deadline. Publishing it again on another bus delivers it there.
 *
 * @param eventId the id it was accepted under
 * @param sessionId its session, or null for the bus scope
 * @param event the event
 * @param headers its headers
 */
public record ReturnedEvent(long eventId, @Nullable String sessionId, Event event, Headers headers) {

    /**
     * Creates the record.
     *
     * @param eventId the id
     * @param sessionId the session or null
     * @param event the event
     * @param headers the headers
     */
    public ReturnedEvent {
        Objects.requireNonNull(event, "event");
        Objects.requireNonNull(headers, "headers");
    }
}
