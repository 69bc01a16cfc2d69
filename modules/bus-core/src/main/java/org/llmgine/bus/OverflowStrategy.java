package org.llmgine.bus;

/**
 * What {@code publish} does when the queue holds as many accepted, unfinished events as its
 * capacity.
 */
public enum OverflowStrategy {
    /**
     * The default: wait up to the publish timeout for room, then reject with
     * {@link RejectionReason#TIMED_OUT}. Events the bus publishes itself never wait.
     */
    BLOCK,
    /** Reject at once with {@link RejectionReason#QUEUE_FULL}; the queue is unchanged. */
    REJECT_NEW
}
