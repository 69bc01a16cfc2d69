package org.llmgine.bus.spi;

import org.jspecify.annotations.Nullable;
import org.llmgine.bus.PublishOutcome;
import org.llmgine.bus.message.Headers;
import org.llmgine.bus.message.LifecycleEvent;

/**
 * The channel through which a module publishes its own lifecycle events
 * ({@link LifecycleEvent.ModuleEvent}: a breaker's transitions, a dead letter) as the bus publishes
 * its own: they bypass the event filters (unless the bus filters lifecycle events), may use the
 * lifecycle reserve when the queue is full, never wait for room, and a loss is counted in
 * {@code stats().events().lifecycleRejected()}. Get it from {@code MessageBus#lifecycle()}.
 */
public interface LifecyclePublisher {

    /**
     * Tells whether any handler would receive a lifecycle event of {@code type} in that scope; check
     * it before building an event nobody listens to.
     *
     * @param sessionId the session, or null for the bus scope
     * @param type the event class
     * @return true if some handler would receive it
     */
    boolean isListened(@Nullable String sessionId, Class<? extends LifecycleEvent> type);

    /**
     * Publishes a module's lifecycle event in the open session with that id (or, if none is open,
     * to the bus-scope handlers), or in the bus scope.
     *
     * @param sessionId the session, or null for the bus scope
     * @param event the event
     * @param headers its headers, for example those of the message it is about
     * @return accepted, or rejected (even the reserve was full, or the bus is closed)
     */
    PublishOutcome publish(@Nullable String sessionId, LifecycleEvent.ModuleEvent event, Headers headers);
}
