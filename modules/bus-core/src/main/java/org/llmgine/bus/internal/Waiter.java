package org.llmgine.bus.internal;

import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;
import org.llmgine.bus.HandlerFailure;

/**
 * What a {@code publishAndWait} caller waits on: completed once by the thread that settled the
 * event (delivered or cancelled), by close if it returned the event undelivered, or by an eviction.
 *
 * <p>A platform-thread caller spins for {@link #SPIN_NANOS} before it parks: an event on an idle
 * bus is usually handled within that time, and a park plus an unpark (a futex round trip each)
 * would cost more than the delivery. A virtual-thread caller parks at once (spinning would hold a
 * carrier the handlers need, and its park is cheap). Without a timeout it parks untimed (a timed
 * park schedules a timer task on every call).
 *
 * <p>Concurrency: handler threads of one group add failures concurrently (a lock-free queue); the
 * final state is written before {@code done}, and {@code done} is a volatile read by the caller.
 * The caller publishes itself in {@code parked} before it re-checks {@code done}, and completion
 * sets {@code done} before it reads {@code parked}, so one of them always sees the other.
 */
final class Waiter {

    enum Status { PENDING, DELIVERED, CANCELLED, RETURNED, DROPPED }

    /** How long a caller spins before it parks. */
    static final long SPIN_NANOS = 20_000L;

    private static final System.Logger LOG = System.getLogger("org.llmgine.bus");

    private final ConcurrentLinkedQueue<HandlerFailure> failures = new ConcurrentLinkedQueue<>();
    /** Told the event's end once, before its slot is freed where the bus can (a scheduled event's store completion). */
    private final @Nullable Consumer<Status> settled;
    /**
     * Whether the callback ran. Only the one thread that ends the event calls {@link #settle}
     * (settling, then completing; or evicting, or handing back at close: each excludes the others),
     * so a plain field suffices, and a {@code publishAndWait} waiter allocates nothing for it.
     */
    private boolean told;
    private Status status = Status.PENDING;
    private int handlersInvoked;
    private volatile boolean done;
    private volatile @Nullable Thread parked;

    /** Told once the waiter completed, after its state is written: a {@code publishAsync} future. */
    private final @Nullable Consumer<Waiter> completed;

    /** A waiter for a {@code publishAndWait} caller. */
    Waiter() {
        this.settled = null;
        this.completed = null;
    }

    private Waiter(@Nullable Consumer<Status> settled, @Nullable Consumer<Waiter> completed) {
        this.settled = settled;
        this.completed = completed;
    }

    /**
     * A waiter nobody parks on: {@code completed} is told, on the thread that completes it, once its
     * state is final. What it throws is logged.
     */
    static Waiter completing(Consumer<Waiter> completed) {
        return new Waiter(null, completed);
    }

    /**
     * A waiter that tells {@code settled} how the event ended: before the event's slot is freed
     * when it was delivered or cancelled (so whoever sees the bus idle sees the callback's effect),
     * at completion otherwise. Runs on the thread that settles the event; what it throws is logged.
     */
    Waiter(Consumer<Status> settled) {
        this.settled = settled;
        this.completed = null;
    }

    /** Tells the settle callback, once, how the event ended. */
    void settle(Status outcome) {
        Consumer<Status> callback = settled;
        if (callback != null && !told) {
            told = true;
            try {
                callback.accept(outcome);
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.ERROR, "the settle callback of an event ended " + outcome + " threw", e);
            }
        }
    }

    void addFailure(HandlerFailure failure) {
        failures.add(failure);
    }

    void complete(Status outcome, int invoked) {
        settle(outcome);
        this.handlersInvoked = invoked;
        this.status = outcome;
        done = true;
        Thread waiting = parked;
        if (waiting != null) {
            LockSupport.unpark(waiting);
        }
        Consumer<Waiter> callback = completed;
        if (callback != null) {
            try {
                callback.accept(this);
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.ERROR, "the completion callback of an event ended " + outcome + " threw", e);
            }
        }
    }

    /** Whether the waiter completed. */
    boolean isDone() {
        return done;
    }

    /**
     * Waits for completion at most {@code nanos} (forever if negative).
     *
     * @return true once completed, false if the time ran out
     */
    boolean await(long nanos) throws InterruptedException {
        long start = System.nanoTime();
        long spin = Thread.currentThread().isVirtual() ? 0 : SPIN_NANOS;
        long spinUntil = start + (nanos < 0 ? spin : Math.min(spin, nanos));
        while (!done) {
            if (System.nanoTime() - spinUntil >= 0) {
                return parkUntilDone(start, nanos);
            }
            Thread.onSpinWait();
        }
        return true;
    }

    private boolean parkUntilDone(long start, long nanos) throws InterruptedException {
        parked = Thread.currentThread();
        try {
            while (!done) {
                if (Thread.interrupted()) {
                    throw new InterruptedException("interrupted while waiting for an event's delivery");
                }
                if (nanos < 0) {
                    LockSupport.park(this);
                } else {
                    long left = nanos - (System.nanoTime() - start);
                    if (left <= 0) {
                        return false;
                    }
                    LockSupport.parkNanos(this, left);
                }
            }
            return true;
        } finally {
            parked = null;
        }
    }

    Status status() {
        return status;
    }

    int handlersInvoked() {
        return handlersInvoked;
    }

    List<HandlerFailure> failures() {
        return List.copyOf(failures);
    }
}
