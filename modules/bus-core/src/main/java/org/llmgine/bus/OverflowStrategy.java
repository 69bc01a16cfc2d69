package org.llmgine.bus;

/**
 * What {@code publish} does when the queue holds as many accepted, unfinished events as its
 * capacity. Whatever the strategy, a thread that holds a slot itself (an event handler, or a command
 * it executes and waits for) never waits for room: it would wait for room it is holding.
 */
public enum OverflowStrategy {
    /**
     * The default: wait up to the publish timeout for room, then reject with
     * {@link RejectionReason#TIMED_OUT}. A thread holding a slot is rejected at once with
     * {@link RejectionReason#QUEUE_FULL}.
     */
    BLOCK,
    /** Reject at once with {@link RejectionReason#QUEUE_FULL}; the queue is unchanged. */
    REJECT_NEW,
    /**
     * Make room by evicting the oldest accepted event whose handlers have not started, then accept
     * the new one. The evicted event is counted in {@link BusStats.Events#dropped()}, reported to
     * observers ({@link org.llmgine.bus.spi.BusObserver#onDropped}, the hook a dead letter queue
     * uses), logged at DEBUG and published as an {@link org.llmgine.bus.message.EventDropped}
     * lifecycle event; a {@code publishAndWait} caller waiting for it gets an
     * {@link DeliveryOutcome.Dropped}. If every accepted event has started, the new one is rejected
     * with {@link RejectionReason#QUEUE_FULL}.
     */
    DROP_OLDEST,
    /**
     * Slow producers down progressively while the queue is between the water marks: a publish
     * pauses for {@code adaptiveMaxDelay × (size − lowMark) / (highMark − lowMark)}, the full
     * {@code adaptiveMaxDelay} at or above the high mark, nothing at or below the low mark; so the
     * slowdown decays by itself as the queue drains. Rejects (with
     * {@link RejectionReason#QUEUE_FULL}) only when the queue is full.
     */
    ADAPTIVE
}
