package org.llmgine.bus.spi;

import java.util.Objects;
import org.jspecify.annotations.Nullable;
import org.llmgine.bus.MessageBus;
import org.llmgine.bus.message.Event;
import org.llmgine.bus.message.Headers;

/**
 * An event as it was offered to {@code publish}, before the bus accepted it (so it has no id yet):
 * what the observer callbacks {@code onPublished}, {@code onFiltered} and {@code onRejected} see.
 * Made once per publish, and only when the bus has observers.
 *
 * @param bus the bus it was offered to
 * @param event the event
 * @param sessionId its session, or null for the bus scope
 * @param headers its headers
 * @param priority its priority
 */
public record EventOffer(MessageBus bus, Event event, @Nullable String sessionId, Headers headers, int priority) {

    /**
     * Validates the record.
     *
     * @param bus the bus
     * @param event the event
     * @param sessionId the session or null
     * @param headers the headers
     * @param priority the priority
     */
    public EventOffer {
        Objects.requireNonNull(bus, "bus");
        Objects.requireNonNull(event, "event");
        Objects.requireNonNull(headers, "headers");
    }

    /**
     * Returns the event's class.
     *
     * @return the class
     */
    public Class<? extends Event> type() {
        return event.getClass();
    }
}
