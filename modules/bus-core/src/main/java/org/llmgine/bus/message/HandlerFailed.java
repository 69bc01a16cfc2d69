package org.llmgine.bus.message;

import java.util.Objects;

/**
 * An event handler threw while handling an event. Published in the failed event's scope when a
 * handler there could receive it. It is not published when the failed event is itself a
 * {@code HandlerFailed} (the failure is only logged: no feedback loop), while the bus is cancelling
 * work at close, or when the queue is full (counted in {@code BusStats.lifecycleRejected()}).
 *
 * @param event the event whose handler failed
 * @param eventId the failed event's id
 * @param handler the failed handler's name
 * @param error what the handler threw
 */
public record HandlerFailed(Event event, MessageId eventId, String handler, Throwable error) implements LifecycleEvent {

    /**
     * Creates the event.
     *
     * @param event the event
     * @param eventId its id
     * @param handler the handler's name
     * @param error what it threw
     */
    public HandlerFailed {
        Objects.requireNonNull(eventId, "eventId");
        Objects.requireNonNull(event, "event");
        Objects.requireNonNull(handler, "handler");
        Objects.requireNonNull(error, "error");
    }
}
