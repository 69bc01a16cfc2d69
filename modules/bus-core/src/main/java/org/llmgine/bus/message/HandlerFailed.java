package org.llmgine.bus.message;

import java.util.Objects;

/**
 * An event handler threw while handling an event. Published in the failed event's scope. When a
 * handler of a {@code HandlerFailed} event itself fails, the bus only logs it: no feedback loop.
 *
 * @param event the event whose handler failed
 * @param eventId the failed event's id
 * @param handler the failed handler's name
 * @param error what the handler threw
 */
public record HandlerFailed(Event event, long eventId, String handler, Throwable error) implements LifecycleEvent {

    /**
     * Creates the event.
     *
     * @param event the event
     * @param eventId its id
     * @param handler the handler's name
     * @param error what it threw
     */
    public HandlerFailed {
        Objects.requireNonNull(event, "event");
        Objects.requireNonNull(handler, "handler");
        Objects.requireNonNull(error, "error");
    }
}
