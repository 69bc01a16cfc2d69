package org.llmgine.bus.message;

import java.util.Objects;

/**
 * An accepted event was evicted by the DROP_OLDEST overflow strategy before its handlers started.
 * Published in the dropped event's scope, with its headers. It may use the queue's lifecycle
 * reserve, so it is not itself lost to the overload it reports (unless the reserve is full too).
 *
 * @param event the dropped event
 * @param eventId the id it had been accepted under
 */
public record EventDropped(Event event, MessageId eventId) implements LifecycleEvent {

    /**
     * Creates the event.
     *
     * @param event the dropped event
     * @param eventId its id
     */
    public EventDropped {
        Objects.requireNonNull(eventId, "eventId");
        Objects.requireNonNull(event, "event");
    }
}
