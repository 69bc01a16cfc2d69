package org.llmgine.bus.message;

import java.util.Objects;

/**
 * An accepted event reached no handler: neither its session's nor the bus scope's (the bus's
 * answer to Guava's {@code DeadEvent}). Published only when the bus was built with
 * {@code publishUnhandled(true)} and someone subscribes to it; every such event is counted in
 * {@code stats().events().unhandled()} either way. An {@code EventUnhandled} is never itself
 * reported as unhandled.
 *
 * @param event the event nobody handled
 * @param eventId the id it was accepted under
 */
public record EventUnhandled(Event event, MessageId eventId) implements LifecycleEvent {

    /**
     * Creates the event.
     *
     * @param event the unhandled event
     * @param eventId its id
     */
    public EventUnhandled {
        Objects.requireNonNull(event, "event");
        Objects.requireNonNull(eventId, "eventId");
    }
}
