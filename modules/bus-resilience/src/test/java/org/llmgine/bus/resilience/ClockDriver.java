package org.llmgine.bus.resilience;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * Moves a {@link ManualClock} for a test while the threads it watches wait on it: a step at a time,
 * only while a watched thread is parked, until the test's condition holds; the whole drive has a
 * deadline. Nothing sleeps: time on the bus's clock passes because the driver moves it.
 */
final class ClockDriver {

    private static final long DEADLINE_SECONDS = 10;

    private ClockDriver() {
    }

    /** Advances {@code clock} by {@code step} whenever the watched thread waits, until {@code done}. */
    static void driveUntil(ManualClock clock, Duration step, Supplier<@Nullable Thread> watched, BooleanSupplier done) {
        driveUntil(clock, step, watched, done, "the driven condition");
    }

    /** The same, naming what is awaited in the failure. */
    static void driveUntil(ManualClock clock, Duration step, Supplier<@Nullable Thread> watched, BooleanSupplier done,
            String what) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(DEADLINE_SECONDS);
        while (!done.getAsBoolean()) {
            assertTrue(System.nanoTime() < deadline, what + " did not come true in " + DEADLINE_SECONDS + " s");
            Thread running = watched.get();
            if (running != null && waiting(running)) {
                clock.advance(step);
                long settle = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(1); // let the timer react
                while (waiting(running) && System.nanoTime() < settle) {
                    Thread.onSpinWait();
                }
            }
            Thread.onSpinWait();
        }
    }

    /** Waits (with the deadline) until {@code condition} holds, without moving the clock. */
    static void awaitTrue(String what, BooleanSupplier condition) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(DEADLINE_SECONDS);
        while (!condition.getAsBoolean()) {
            assertTrue(System.nanoTime() < deadline, what + " did not happen in " + DEADLINE_SECONDS + " s");
            Thread.onSpinWait();
        }
    }

    /** Waits until {@code thread} is parked (waiting on a lock, a condition or the clock). */
    static void awaitParked(String what, Supplier<@Nullable Thread> thread) {
        awaitTrue(what, () -> {
            Thread t = thread.get();
            return t != null && waiting(t);
        });
    }

    static boolean waiting(Thread thread) {
        Thread.State state = thread.getState();
        return state == Thread.State.WAITING || state == Thread.State.TIMED_WAITING;
    }
}
