package org.llmgine.bus;

import java.util.Objects;
import org.jspecify.annotations.Nullable;
import org.llmgine.bus.message.Event;
import org.llmgine.bus.message.Headers;
import org.llmgine.bus.message.MessageId;

/**
 * An accepted event that close() did not finish, as listed in its {@link CloseReport}: returned
 * (no handler had started on it before the deadline) or cancelled (its handlers were interrupted).
 * Publishing it again on another bus delivers it there.
 *
 * @param eventId the id it was accepted under
 * @param sessionId its session, or null for the bus scope
 * @param event the event
 * @param headers its headers
 */
public record UnfinishedEvent(MessageId eventId, @Nullable String sessionId, Event event, Headers headers) {

    /**
     * Creates the record.
     *
     * @param eventId the id
     * @param sessionId the session or null
     * @param event the event
     * @param headers the headers
     */
    public UnfinishedEvent {
        Objects.requireNonNull(eventId, "eventId");
        Objects.requireNonNull(event, "event");
        Objects.requireNonNull(headers, "headers");
    }
}
