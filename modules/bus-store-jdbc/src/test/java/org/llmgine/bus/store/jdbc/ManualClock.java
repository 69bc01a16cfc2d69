package org.llmgine.bus.store.jdbc;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import org.llmgine.bus.spi.ObservableClock;

/** A clock that moves only when told to, and tells the bus's timer when it does. */
final class ManualClock implements ObservableClock {

    private final AtomicReference<Instant> now;
    private final CopyOnWriteArrayList<Runnable> listeners = new CopyOnWriteArrayList<>();

    ManualClock(Instant start) {
        this.now = new AtomicReference<>(start);
    }

    @Override
    public Instant instant() {
        return now.get();
    }

    void advance(Duration step) {
        now.updateAndGet(t -> t.plus(step));
        listeners.forEach(Runnable::run);
    }

    @Override
    public Runnable onChange(Runnable listener) {
        listeners.add(listener);
        return () -> listeners.remove(listener);
    }
}
