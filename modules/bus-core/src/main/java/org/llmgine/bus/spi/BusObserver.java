package org.llmgine.bus.spi;

import org.jspecify.annotations.Nullable;
import org.llmgine.bus.CloseReport;
import org.llmgine.bus.MessageBus;
import org.llmgine.bus.PendingApproval;
import org.llmgine.bus.RejectionReason;
import org.llmgine.bus.handler.HandlerInfo;
import org.llmgine.bus.message.ApprovalDecided;
import org.llmgine.bus.message.CommandResult;
import org.llmgine.bus.message.LifecycleEvent;

/**
 * Receives a callback for each step of a bus's work; the SPI through which the metrics module (and
 * any user's own instrumentation) watches a bus. Every method has an empty default, so an observer
 * overrides only what it needs. Gauges (queue size, sessions, handlers) are read from
 * {@link MessageBus#stats()} of the bus passed to {@link #onAttach(MessageBus)}.
 *
 * <p>Callbacks about an accepted message carry a {@link MessageView} (type, id, session, priority,
 * headers, accepted-at, bus name): the bus's own envelope, so no view is made per callback, and
 * nothing at all is allocated when no observer is installed. Callbacks that concern no single message take
 * the bus. Every accepted event ends in exactly one of {@link #onDelivered}, {@link #onDropped},
 * {@link #onCancelled} and {@link #onReturned}, so an observer can keep the same books as
 * {@code stats()}.
 *
 * <p>For one event the callbacks come in order: {@code onAccepted} (called while the event's lane
 * is locked, before any worker can take it), then {@code onDispatched}, {@code onHandlerCompleted}
 * per handler, and one end state. So an observer may keep in-flight gauges or maps by id. An
 * observer must not publish or execute on the bus from its callbacks.
 *
 * <p>Callbacks run on the bus's threads, inline: keep them short and never block. What an observer
 * throws is logged and ignored.
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
     * Called once when the bus has closed, after its close report was made: the place to remove
     * meters or flush.
     *
     * @param bus the closed bus
     * @param report its close report
     */
    default void onClose(MessageBus bus, CloseReport report) {
    }

    /**
     * An event was offered to {@code publish} (before filters); it has no id yet.
     *
     * @param offer the event with its session, headers and priority
     */
    default void onPublished(EventOffer offer) {
    }

    /**
     * An event was accepted into the queue.
     *
     * @param event the event's envelope
     * @param queueSize the number of accepted, unfinished events just after this one was added, or
     *     -1 if no observer of the bus {@linkplain #wantsQueueSizes() wants queue sizes}
     */
    default void onAccepted(MessageView event, int queueSize) {
    }

    /**
     * Tells whether this observer reads the {@code queueSize} of {@link #onAccepted} and
     * {@link #onDelivered} (default true). An exact size per event costs a read of a counter that
     * the other side of the queue writes (a cache line moving between cores for every event); when
     * no observer of a bus wants sizes, the bus skips those reads and passes -1. Gauges that read
     * {@link org.llmgine.bus.MessageBus#stats()} do not need them. Asked once, when the bus is built.
     *
     * @return false if this observer ignores those sizes
     */
    default boolean wantsQueueSizes() {
        return true;
    }

    /**
     * An event was rejected.
     *
     * @param offer the event with its session, headers and priority
     * @param reason why
     */
    default void onRejected(EventOffer offer, RejectionReason reason) {
    }

    /**
     * An event was declined by a filter.
     *
     * @param offer the event with its session, headers and priority
     * @param filter the filter's name
     */
    default void onFiltered(EventOffer offer, String filter) {
    }

    /**
     * An event's first handler group is about to start.
     *
     * @param event the event's envelope
     * @param lagNanos time from acceptance to dispatch, by the bus's ticker
     */
    default void onDispatched(MessageView event, long lagNanos) {
    }

    /**
     * One event handler invocation finished.
     *
     * @param event the event's envelope
     * @param handler the handler
     * @param durationNanos how long the invocation took, middleware included
     * @param failure what it threw, or null on success
     */
    default void onHandlerCompleted(MessageView event, HandlerInfo handler, long durationNanos,
            @Nullable Throwable failure) {
    }

    /**
     * Tells whether this observer reads the processing and end-to-end times of
     * {@link #onDelivered} (default true). When no observer of a bus does, the bus neither keeps
     * each event's dispatch time (an object per event) nor reads the ticker at the end of each
     * event, and passes -1 for both times. Asked once, when the bus is built.
     *
     * @return false if this observer ignores those two times
     */
    default boolean wantsDeliveryTimes() {
        return true;
    }

    /**
     * An accepted event finished: all its handlers ran (or it had none; see {@link #onUnhandled}).
     *
     * @param event the event's envelope
     * @param handlersInvoked how many handlers ran
     * @param processingNanos from dispatch to the last handler's end, or -1 if no observer of the
     *     bus {@linkplain #wantsDeliveryTimes() wants delivery times}
     * @param endToEndNanos from acceptance to the last handler's end, or -1 likewise
     * @param queueSize the number of accepted, unfinished events after it finished, or -1 if no
     *     observer of the bus {@linkplain #wantsQueueSizes() wants queue sizes}
     */
    default void onDelivered(MessageView event, int handlersInvoked, long processingNanos, long endToEndNanos,
            int queueSize) {
    }

    /**
     * An accepted event reached no handler (it is also reported to {@link #onDelivered} with 0
     * handlers).
     *
     * @param event the event's envelope
     */
    default void onUnhandled(MessageView event) {
    }

    /**
     * DROP_OLDEST evicted an accepted event before its handlers started: the hook through which a
     * dead letter queue can keep it ({@link MessageView#message()} is the event).
     *
     * @param event the dropped event's envelope
     */
    default void onDropped(MessageView event) {
    }

    /**
     * The bus's close interrupted an event's handlers (it counts as cancelled).
     *
     * @param event the event's envelope
     */
    default void onCancelled(MessageView event) {
    }

    /**
     * The bus's close handed back an event that never started (it is listed in the close report).
     *
     * @param event the event's envelope
     */
    default void onReturned(MessageView event) {
    }

    /**
     * The bus published one of its lifecycle events (or a module did through its lifecycle
     * channel); called for accepted ones, just after {@link #onAccepted}.
     *
     * @param event the lifecycle event's envelope ({@link MessageView#message()} is the event)
     * @param kind the event, typed
     */
    default void onLifecycleEvent(MessageView event, LifecycleEvent kind) {
    }

    /**
     * Backpressure turned on (the queue reached the high water mark) or off (it came back to the
     * low one), in the order the crossings happened.
     *
     * @param bus the bus
     * @param active true when it turned on
     * @param queueSize the queue size at the crossing
     */
    default void onBackpressureChanged(MessageBus bus, boolean active, int queueSize) {
    }

    /**
     * ADAPTIVE paused a publish.
     *
     * @param bus the bus
     * @param delayNanos the pause
     */
    default void onThrottled(MessageBus bus, long delayNanos) {
    }

    /**
     * An approval command began waiting for a decision.
     *
     * @param bus the bus
     * @param approval the request
     */
    default void onApprovalRequested(MessageBus bus, PendingApproval approval) {
    }

    /**
     * An approval request was decided (approved, denied, expired or cancelled).
     *
     * @param bus the bus
     * @param approval the request
     * @param decision the decision
     */
    default void onApprovalDecided(MessageBus bus, PendingApproval approval, ApprovalDecided.Decision decision) {
    }

    /**
     * A command execution started: it was admitted and has an id (also when no handler is found).
     *
     * @param command the command's envelope
     */
    default void onCommandStarted(MessageView command) {
    }

    /**
     * A command execution finished.
     *
     * @param command the command's envelope
     * @param durationNanos how long it took, middleware included (0 when no handler was found)
     * @param result the result returned to the caller
     */
    default void onCommandCompleted(MessageView command, long durationNanos, CommandResult<?> result) {
    }
}
