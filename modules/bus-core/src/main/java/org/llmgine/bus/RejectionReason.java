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
     * The bus began closing while the event was being published (for example while the publisher
     * waited for room). A publish that starts after close began throws
     * {@link BusClosedException} instead.
     */
    BUS_CLOSED,
    /**
     * The event's session began closing while the event was being published. A publish into a
     * session that starts after its close began throws {@link SessionClosedException} instead.
     */
    SESSION_CLOSED
}
