package org.llmgine.bus.spi;

import org.jspecify.annotations.Nullable;
import org.llmgine.bus.MessageBus;
import org.llmgine.bus.PendingApproval;
import org.llmgine.bus.RejectionReason;
import org.llmgine.bus.handler.HandlerInfo;
import org.llmgine.bus.message.ApprovalDecided;
import org.llmgine.bus.message.CommandResult;
import org.llmgine.bus.message.Event;
import org.llmgine.bus.message.Headers;

/**
 * Receives a callback for each step of a bus's work. Every method has an empty default, so an
 * observer overrides only what it needs. Gauges (queue size, sessions, handlers) are read from
 * {@link MessageBus#stats()} of the bus passed to {@link #onAttach(MessageBus)}.
 */
public interface BusObserver {

    /**
     * Called once when the observer is attached to a bus, before the bus is returned by its builder.
     *
     * @param bus the observed bus
     */
    default void onAttach(MessageBus bus) {
    }

    /**
     * An event was offered to {@code publish} (before filters).
     *
     * @param eventType the event's class
     */
    default void onPublished(Class<? extends Event> eventType) {
    }

    /**
     * An event was accepted into the queue.
     *
     * @param eventType the event's class
     * @param queueSize the number of accepted, unfinished events just after this one was added
     */
    default void onAccepted(Class<? extends Event> eventType, int queueSize) {
    }

    /**
     * An event was rejected.
     *
     * @param eventType the event's class
     * @param reason why
     */
    default void onRejected(Class<? extends Event> eventType, RejectionReason reason) {
    }

    /**
     * An event was declined by a filter.
     *
     * @param eventType the event's class
     * @param filter the filter's name
     */
    default void onFiltered(Class<? extends Event> eventType, String filter) {
    }

    /**
     * An event's first handler group is about to start.
     *
     * @param eventType the event's class
     * @param lagNanos time from acceptance to dispatch, by the bus's ticker
     */
    default void onDispatched(Class<? extends Event> eventType, long lagNanos) {
    }

    /**
     * One event handler invocation finished.
     *
     * @param eventType the event's class
     * @param handler the handler
     * @param durationNanos how long the invocation took, middleware included
     * @param failure what it threw, or null on success
     */
    default void onHandlerCompleted(Class<? extends Event> eventType, HandlerInfo handler, long durationNanos,
            @Nullable Throwable failure) {
    }

    /**
     * An accepted event finished: all its handlers ran (or it had none).
     *
     * @param eventType the event's class
     * @param queueSize the number of accepted, unfinished events after it finished
     */
    default void onDelivered(Class<? extends Event> eventType, int queueSize) {
    }

    /**
     * DROP_OLDEST evicted an accepted event before its handlers started: the hook through which a
     * dead letter queue can keep it.
     *
     * @param event the dropped event
     * @param eventId the id it was accepted under
     * @param sessionId its session, or null for the bus scope
     * @param headers its headers
     */
    default void onDropped(Event event, long eventId, @Nullable String sessionId, Headers headers) {
    }

    /**
     * Backpressure turned on (the queue reached the high water mark) or off (it came back to the
     * low one). Called by the dispatcher, in the order the crossings happened.
     *
     * @param active true when it turned on
     * @param queueSize the queue size at the crossing: the high mark (or more) when it turned on, the
     *     low mark when it turned off
     */
    default void onBackpressureChanged(boolean active, int queueSize) {
    }

    /**
     * ADAPTIVE paused a publish.
     *
     * @param delayNanos the pause
     */
    default void onThrottled(long delayNanos) {
    }

    /**
     * An approval command began waiting for a decision.
     *
     * @param approval the request
     */
    default void onApprovalRequested(PendingApproval approval) {
    }

    /**
     * An approval request was decided (approved, denied, expired or cancelled).
     *
     * @param approval the request
     * @param decision the decision
     */
    default void onApprovalDecided(PendingApproval approval, ApprovalDecided.Decision decision) {
    }

    /**
     * A command execution started (before the handler lookup).
     *
     * @param commandType the command's class
     */
    default void onCommandStarted(Class<?> commandType) {
    }

    /**
     * A command execution finished.
     *
     * @param commandType the command's class
     * @param durationNanos how long it took, middleware included (0 when no handler was found)
     * @param result the result returned to the caller
     */
    default void onCommandCompleted(Class<?> commandType, long durationNanos, CommandResult<?> result) {
    }
}
