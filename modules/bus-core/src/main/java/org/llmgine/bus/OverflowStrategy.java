package org.llmgine.bus;

/**
 * What {@code publish} does when the queue holds as many accepted, unfinished events as its
 * capacity.
 */
public enum OverflowStrategy {
    /**
     * The default: wait up to the publish timeout for room, then reject with
     * {@link RejectionReason#TIMED_OUT}. A thread that holds a slot itself (an event handler, or a
     * command it executes) never waits: it would wait for room it is holding, so it is rejected at
     * once with {@link RejectionReason#QUEUE_FULL}.
     */
    BLOCK,
    /** Reject at once with {@link RejectionReason#QUEUE_FULL}; the queue is unchanged. */
    REJECT_NEW
}
