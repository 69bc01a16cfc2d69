package org.llmgine.bus;

/**
 * The life of a bus: {@code NEW -> RUNNING -> CLOSING -> CLOSED}, or {@code NEW -> CLOSING -> CLOSED}
 * for a bus closed without being started.
 */
public enum BusState {
    /** Built, not started: registrations and publishes are accepted; nothing is dispatched yet. */
    NEW,
    /** Dispatching events. */
    RUNNING,
    /** {@code close()} is draining: new publishes from outside the bus are refused. */
    CLOSING,
    /** Closed: every method except {@code stats()} and {@code close()} throws. */
    CLOSED
}
