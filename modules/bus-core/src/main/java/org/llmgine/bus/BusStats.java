package org.llmgine.bus;

/**
 * An immutable snapshot of a bus's counters and gauges.
 *
 * <p>Every published event ends in exactly one of filtered, rejected or accepted; every accepted
 * event ends in exactly one of delivered, cancelled (its handlers were interrupted by close),
 * returned (close handed it back undelivered) or dropped (DROP_OLDEST evicted it before it
 * started), or is still queued. So, once the bus is idle,
 * {@code published == filtered + rejected + accepted} and
 * {@code accepted == delivered + cancelled + returned + dropped + queueSize}. The counters are read
 * one after another, so a snapshot taken while events flow may be off by the events in flight.
 *
 * @param name the bus name
 * @param state the bus state
 * @param queueSize accepted events not yet finished (queued or being handled)
 * @param queueCapacity the most {@code queueSize} can be for user events (lifecycle events may
 *     also use the lifecycle reserve)
 * @param largestQueueSize the largest {@code queueSize} seen so far
 * @param backpressureActive whether backpressure is on (the queue reached the high water mark and
 *     has not yet come back to the low one)
 * @param highWaterHits how many times backpressure turned on
 * @param published events offered to {@code publish}, including the bus's own lifecycle events
 * @param accepted events accepted into the queue
 * @param rejected events refused (queue full, publish timeout, interrupt, failing filter, close
 *     beginning while the event was offered)
 * @param lifecycleRejected the part of {@code rejected} that were the bus's own lifecycle events:
 *     they never wait for room, and are rejected only when the queue and its lifecycle reserve are
 *     full; the first such loss is logged at WARNING
 * @param filtered events declined by a filter
 * @param delivered accepted events whose dispatch finished: their handlers ran, failed or not (a
 *     failure of the bus itself while dispatching, logged at ERROR, also ends here)
 * @param cancelled accepted events whose handlers were interrupted when close ran out of time
 * @param returned accepted events never dispatched, handed back in the close report
 * @param dropped accepted events evicted by DROP_OLDEST before their handlers started
 * @param throttled publishes that ADAPTIVE paused
 * @param handlerFailures event handler invocations that threw
 * @param commandsExecuted command executions started
 * @param commandsFailed command executions that ended in a failure result
 * @param scheduledPending scheduled events waiting for their due time
 * @param scheduledFired scheduled events that fell due and were published (whatever the outcome)
 * @param scheduledRejected the part of {@code scheduledFired} the queue rejected (logged at WARNING)
 * @param scheduledCancelled scheduled events cancelled before they were due
 * @param scheduledSaved scheduled events handed to the store at close
 * @param approvalsPending approval commands waiting for a decision
 * @param approvalsApproved approval requests approved
 * @param approvalsDenied approval requests denied
 * @param approvalsExpired approval requests that expired
 * @param approvalsCancelled approval requests cancelled (close, session close, the caller gave up)
 * @param activeSessions sessions currently open
 * @param registeredHandlers event and command handlers currently registered, in every scope
 */
public record BusStats(String name, BusState state, int queueSize, int queueCapacity, int largestQueueSize,
        boolean backpressureActive, long highWaterHits, long published, long accepted, long rejected,
        long lifecycleRejected, long filtered, long delivered, long cancelled, long returned, long dropped,
        long throttled, long handlerFailures, long commandsExecuted, long commandsFailed, int scheduledPending,
        long scheduledFired, long scheduledRejected, long scheduledCancelled, long scheduledSaved,
        int approvalsPending, long approvalsApproved, long approvalsDenied, long approvalsExpired,
        long approvalsCancelled, int activeSessions, int registeredHandlers) {

    /**
     * Tells whether the bus was dispatching when the snapshot was taken.
     *
     * @return true in state {@link BusState#RUNNING}
     */
    public boolean running() {
        return state == BusState.RUNNING;
    }
}
