package org.llmgine.bus.resilience;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.llmgine.bus.spi.ObservableClock;

/** A clock the test moves; the bus's timer follows it. */
final class ManualClock implements ObservableClock {

    private volatile Instant now;
    private final List<Runnable> listeners = new CopyOnWriteArrayList<>();

    ManualClock(Instant start) {
        this.now = start;
    }

    @Override
    public Instant instant() {
        return now;
    }

    void advance(Duration step) {
        now = now.plus(step);
        listeners.forEach(Runnable::run);
    }

    /** Sets the time, backwards too (a wall clock stepped back by NTP or by hand). */
    void set(Instant instant) {
        now = instant;
        listeners.forEach(Runnable::run);
    }

    @Override
    public Runnable onChange(Runnable listener) {
        listeners.add(listener);
        return () -> listeners.remove(listener);
    }
}
