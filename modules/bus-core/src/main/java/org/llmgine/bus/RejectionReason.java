package org.llmgine.bus;

/**
 * Why the bus did not accept an event.
 */
public enum RejectionReason {
    /** The queue was full and the strategy (or the bus itself, for its own events) does not wait. */
    QUEUE_FULL,
    /** The queue stayed full for the whole publish timeout of the BLOCK strategy. */
    TIMED_OUT,
    /** The publishing thread was interrupted while waiting for room; its interrupt flag is set. */
    INTERRUPTED,
    /** An event filter threw; the event is rejected rather than guessed through. */
    FILTER_FAILED,
    /**
     * The bus is closing or closed (whether close began before the publish or while it waited for
     * room: the outcome is the same). Publishing never throws for a closed bus.
     */
    BUS_CLOSED,
    /** The event's session is closing or closed (before the publish or during it). */
    SESSION_CLOSED,
    /**
     * {@code publishAndWait} on a bus that was never started: nothing would deliver the event, so it
     * is not queued. (A plain {@code publish} on a new bus is accepted and waits for
     * {@code start()}.)
     */
    BUS_NOT_STARTED
}
