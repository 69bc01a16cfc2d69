package org.llmgine.bus.bridge.spi;

import java.util.Objects;
import org.jspecify.annotations.Nullable;
import org.llmgine.bus.message.Event;
import org.llmgine.bus.message.Headers;
import org.llmgine.bus.message.MessageId;

/**
 * An event accepted for externalization, waiting in an {@link OutboundStore} to be sent.
 *
 * @param id the event's id on the bus that published it (the record's message id header)
 * @param event the event
 * @param sessionId the session it was published in, or null for the bus scope
 * @param headers the headers its handlers saw
 * @param topic where it goes
 * @param key its ordering key, or null
 * @param attempts how many times sending it was tried before (0 for a new one)
 */
public record OutboundMessage(MessageId id, Event event, @Nullable String sessionId, Headers headers, String topic,
        @Nullable String key, int attempts) {

    /**
     * Validates.
     *
     * @param id the id
     * @param event the event
     * @param sessionId the session or null
     * @param headers the headers
     * @param topic not blank
     * @param key the key or null
     * @param attempts not negative
     */
    public OutboundMessage {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(event, "event");
        Objects.requireNonNull(headers, "headers");
        Objects.requireNonNull(topic, "topic");
        if (topic.isBlank()) {
            throw new IllegalArgumentException("the topic of " + id + " must not be blank");
        }
        if (attempts < 0) {
            throw new IllegalArgumentException("attempts must not be negative, but was " + attempts + " for " + id);
        }
    }
}
