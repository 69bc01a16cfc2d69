package org.llmgine.bus.handler;

import org.llmgine.bus.message.Event;

/**
 * Handles events of type {@code E} with access to their {@link EventContext}.
 *
 * <p>Runs on a virtual thread owned by the bus; it may block. An exception it throws is isolated:
 * it is counted and logged, published as a {@link org.llmgine.bus.message.HandlerFailed} event when
 * a handler could receive it, listed in the delivery report of a {@code publishAndWait} caller, and
 * no other handler is affected.
 *
 * @param <E> the event type
 */
@FunctionalInterface
public interface EventHandler<E extends Event> {

    /**
     * Handles one event.
     *
     * @param event the event
     * @param context the event's metadata and a way to publish or execute in its scope
     * @throws Exception when handling fails; the bus records the failure
     */
    void handle(E event, EventContext context) throws Exception;
}
