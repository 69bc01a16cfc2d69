package org.llmgine.bus.internal;

import java.time.Instant;
import java.time.InstantSource;
import org.llmgine.bus.Ticker;

/**
 * Stamps accepted events with their acceptance time without reading the wall clock per event.
 *
 * <p>On the system clock and ticker (the defaults) a delivery keeps only a {@link System#nanoTime()}
 * reading; its {@code Instant} is computed when someone asks, from one wall-clock reading anchored
 * to the ticker when the bus was built. Reading the wall clock per event (a native call and an
 * {@code Instant} each) took a quarter of all CPU time of a publish-heavy run. Timestamps of one
 * bus are therefore monotonic and never step with wall-clock adjustments made after the bus was
 * built. With an injected clock or ticker (tests, simulations) the clock is read per event, exactly
 * as the user's clock says.
 */
final class Timestamps {

    private final InstantSource clock;
    private final Ticker ticker;
    private final boolean anchored;
    private final long anchorNanos;
    private final Instant anchor;

    Timestamps(InstantSource clock, Ticker ticker) {
        this.clock = clock;
        this.ticker = ticker;
        this.anchored = clock == InstantSource.system() && ticker == Ticker.system();
        this.anchorNanos = System.nanoTime();
        this.anchor = clock.instant();
    }

    /**
     * Stamps a delivery at acceptance: its ticker reading (always when anchored, else only if
     * {@code needTicks}, for the dispatch lag observers see) and, with an injected clock, its instant.
     */
    void stamp(Delivery delivery, boolean needTicks) {
        if (anchored) {
            delivery.nanos = System.nanoTime();
        } else {
            delivery.stampInstant(clock.instant());
            if (needTicks) {
                delivery.nanos = ticker.read();
            }
        }
    }

    /** Tells whether instants come from the anchored ticker (else from the clock, per message). */
    boolean anchored() {
        return anchored;
    }

    /** Returns a reading to keep for a message: the ticker when anchored, else 0 (use {@link #now()}). */
    long read() {
        return anchored ? System.nanoTime() : 0L;
    }

    /** Returns the clock's instant now (for messages stamped from an injected clock). */
    Instant now() {
        return clock.instant();
    }

    /** Returns the instant of an anchored ticker reading. */
    Instant instantAt(long nanos) {
        return anchor.plusNanos(nanos - anchorNanos);
    }
}
