package org.llmgine.bus.store.jdbc;

import java.time.Instant;
import java.util.Objects;
import org.jspecify.annotations.Nullable;
import org.llmgine.bus.codec.Decoded;
import org.llmgine.bus.message.Headers;
import org.llmgine.bus.message.Message;
import org.llmgine.bus.message.MessageId;

/**
 * An event as the event log keeps it. A history query returns every row, so an event that does not
 * read back (its type gone from the codec, or never registered in it) comes with its
 * {@link Decoded} failure rather than being left out.
 *
 * @param id the event's id
 * @param busName the bus that accepted it
 * @param sessionId its session, or null for the bus scope
 * @param typeId the type id it was written under ({@code unregistered:<class>} for a class the
 *     codec did not know: then there is no payload)
 * @param event the event, or why it does not read
 * @param headers its headers (empty if they did not read)
 * @param priority its priority
 * @param acceptedAt when the bus accepted it
 */
public record LoggedEvent(MessageId id, String busName, @Nullable String sessionId, String typeId,
        Decoded<Message> event, Headers headers, int priority, Instant acceptedAt) {

    /**
     * Validates the record.
     *
     * @param id the id
     * @param busName the bus
     * @param sessionId the session or null
     * @param typeId the type id
     * @param event the event or its failure
     * @param headers the headers
     * @param priority the priority
     * @param acceptedAt the acceptance time
     */
    public LoggedEvent {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(busName, "busName");
        Objects.requireNonNull(typeId, "typeId");
        Objects.requireNonNull(event, "event");
        Objects.requireNonNull(headers, "headers");
        Objects.requireNonNull(acceptedAt, "acceptedAt");
    }
}
