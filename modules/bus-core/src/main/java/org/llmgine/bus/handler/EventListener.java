package org.llmgine.bus.handler;

import org.llmgine.bus.message.Event;

/**
 * The one-argument form of {@link EventHandler}, for handlers that do not need the context:
 * {@code bus.subscribe(AnswerReady.class, e -> audit.record(e))}.
 *
 * @param <E> the event type
 */
@FunctionalInterface
public interface EventListener<E extends Event> {

    /**
     * Handles one event.
     *
     * @param event the event
     * @throws Exception when handling fails; the bus records the failure
     */
    void handle(E event) throws Exception;
}
