package org.llmgine.bus.resilience;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.llmgine.bus.message.Command;
import org.llmgine.bus.message.Event;

/**
 * What the dead letter queue tests share: the start of the clock, the deadline of every wait, the
 * messages, a driver that moves the {@link ManualClock} through retry backoffs (as RetryTest
 * does) and deadline-bounded waits. Nothing here sleeps.
 */
final class DeadLetterFixtures {

    static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
    static final long WAIT_SECONDS = 10;
    static final Duration WAIT = Duration.ofSeconds(WAIT_SECONDS);

    /** A command whose handler the tests make fail. */
    record Charge(String item) implements Command<String> {}

    /** Another command type, for {@code byType}. */
    record Refund(String item) implements Command<String> {}

    /** An event whose handlers the tests make fail. */
    record Audited(String what) implements Event {}

    private DeadLetterFixtures() {
    }

    /** A retry of {@code maxAttempts} with a 10 ms first delay, doubling, without jitter. */
    static RetryPolicy exact(int maxAttempts) {
        return RetryPolicy.builder().maxAttempts(maxAttempts).initialDelay(Duration.ofMillis(10)).jitter(false).build();
    }

    /** A pipeline that only retries, by {@link #exact}, on {@code clock}. */
    static Pipeline retrying(ManualClock clock, int maxAttempts) {
        return Pipeline.builder().clock(clock).retry(exact(maxAttempts)).build();
    }

    /** Spins (never sleeps) until {@code done}, failing the test if the deadline passes first. */
    static void await(BooleanSupplier done, String what) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_SECONDS);
        while (!done.getAsBoolean()) {
            assertTrue(System.nanoTime() < deadline, "timed out waiting until " + what);
            Thread.onSpinWait();
        }
    }

    /** Runs {@code work} on a new virtual thread (a replay that must be driven through its backoffs). */
    static <T> CompletableFuture<T> async(Callable<T> work) {
        var future = new CompletableFuture<T>();
        Thread.ofVirtual().name("dlq-test-caller").start(() -> {
            try {
                future.complete(work.call());
            } catch (Throwable e) {
                future.completeExceptionally(e);
            }
        });
        return future;
    }

    /**
     * Moves a {@link ManualClock} through retry backoffs: a guarded handler calls {@link #mark()}
     * on every attempt, and {@link #until} advances the clock a millisecond at a time, only while
     * that thread waits, until the condition holds.
     */
    static final class Driver {

        private final ManualClock clock;
        /** The thread of the latest attempt; the driver moves the clock only while it waits. */
        private volatile Thread runThread;

        Driver(ManualClock clock) {
            this.clock = clock;
        }

        /** Called by the handler on each attempt. */
        void mark() {
            runThread = Thread.currentThread();
        }

        /**
         * Advances the clock by 1 ms whenever the attempt's thread is waiting (its backoff), until
         * {@code done}; the whole drive has a deadline.
         */
        void until(BooleanSupplier done, String what) {
            ClockDriver.driveUntil(clock, Duration.ofMillis(1), () -> runThread, done, what);
        }

        /** Waits, without moving the clock, until the latest attempt's thread waits (in its backoff). */
        void untilWaiting(String what) {
            await(() -> {
                Thread running = runThread;
                return running != null && (running.getState() == Thread.State.WAITING
                        || running.getState() == Thread.State.TIMED_WAITING);
            }, what);
        }

        /** Drives until {@code future} is done, then returns its value. */
        <T> T complete(CompletableFuture<T> future, String what) throws Exception {
            until(future::isDone, what);
            return future.get(WAIT_SECONDS, TimeUnit.SECONDS);
        }
    }
}
