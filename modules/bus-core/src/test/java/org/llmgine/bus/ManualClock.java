package org.llmgine.bus;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import org.llmgine.bus.spi.ObservableClock;

/** A clock for tests that moves only when told to, and tells the bus's timer when it does. */
public final class ManualClock implements ObservableClock {

    private final AtomicReference<Instant> now;
    private final CopyOnWriteArrayList<Runnable> listeners = new CopyOnWriteArrayList<>();

    /**
     * Creates a clock at a fixed instant.
     *
     * @param start the initial time
     */
    public ManualClock(Instant start) {
        this.now = new AtomicReference<>(start);
    }

    @Override
    public Instant instant() {
        return now.get();
    }

    /**
     * Moves the clock forward and notifies listeners.
     *
     * @param step how far
     */
    public void advance(Duration step) {
        now.updateAndGet(t -> t.plus(step));
        listeners.forEach(Runnable::run);
    }

    @Override
    public Runnable onChange(Runnable listener) {
        listeners.add(listener);
        return () -> listeners.remove(listener);
    }
}
