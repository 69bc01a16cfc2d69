package org.llmgine.bus.resilience;

import java.time.InstantSource;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.llmgine.bus.spi.ObservableClock;

/**
 * One bulkhead: at most N calls at the same time. {@link Bulkheads} makes one per key; this class
 * is its permits and its snapshot.
 *
 * <p>Entering is one compare-and-set on the count in use. A caller allowed to wait waits on a
 * condition until a permit is returned or its wait, measured on the injected clock, is over; an
 * {@link ObservableClock} wakes the waiters when it moves, so tests advance time instead of
 * sleeping. Returning a permit signals a waiter only when one is waiting. A ReentrantLock, not a
 * {@link java.util.concurrent.Semaphore}, because a Semaphore's timed wait runs on real time only.
 */
public final class Bulkhead {

    /**
     * What a bulkhead holds at one moment.
     *
     * @param name its name
     * @param maxConcurrent the most calls at the same time
     * @param inUse calls running now
     * @param waiting callers waiting for a permit now
     * @param rejected calls refused so far
     */
    public record Snapshot(String name, int maxConcurrent, int inUse, int waiting, long rejected) {
    }

    private final String name;
    private final int maxConcurrent;
    private final InstantSource clock;
    private final AtomicInteger inUse = new AtomicInteger();
    private final LongAdder rejected = new LongAdder();
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition freed = lock.newCondition();
    private volatile int waiting;

    Bulkhead(String name, int maxConcurrent, InstantSource clock) {
        this.name = name;
        this.maxConcurrent = maxConcurrent;
        this.clock = clock;
        if (clock instanceof ObservableClock observable) {
            observable.onChange(this::wakeAll);
        }
    }

    /**
     * Returns the bulkhead's name.
     *
     * @return the name
     */
    public String name() {
        return name;
    }

    /**
     * Returns the most calls at the same time.
     *
     * @return the bound
     */
    public int maxConcurrent() {
        return maxConcurrent;
    }

    /**
     * Returns what the bulkhead holds now.
     *
     * @return a snapshot
     */
    public Snapshot snapshot() {
        return new Snapshot(name, maxConcurrent, inUse.get(), waiting, rejected.sum());
    }

    private boolean tryEnter() {
        while (true) {
            int used = inUse.get();
            if (used >= maxConcurrent) {
                return false;
            }
            if (inUse.compareAndSet(used, used + 1)) {
                return true;
            }
        }
    }

    /** Takes a permit, waiting at most {@code maxWaitMillis} on the clock; false (counted) if none came. */
    boolean enter(long maxWaitMillis) throws InterruptedException {
        if (tryEnter()) {
            return true;
        }
        if (maxWaitMillis > 0 && awaitPermit(maxWaitMillis)) {
            return true;
        }
        rejected.increment();
        return false;
    }

    private boolean awaitPermit(long maxWaitMillis) throws InterruptedException {
        lock.lockInterruptibly();
        try {
            waiting++;
            long deadline = Durations.plus(clock.millis(), maxWaitMillis);
            while (!tryEnter()) {
                long remaining = deadline - clock.millis();
                if (remaining <= 0) {
                    return false;
                }
                freed.await(remaining, TimeUnit.MILLISECONDS);
            }
            return true;
        } finally {
            waiting--;
            lock.unlock();
        }
    }

    /** Returns a permit. */
    void exit() {
        inUse.decrementAndGet();
        if (waiting > 0) {
            lock.lock();
            try {
                freed.signal();
            } finally {
                lock.unlock();
            }
        }
    }

    private void wakeAll() {
        if (waiting > 0) {
            lock.lock();
            try {
                freed.signalAll();
            } finally {
                lock.unlock();
            }
        }
    }

    @Override
    public String toString() {
        return "Bulkhead[" + name + ", " + inUse.get() + "/" + maxConcurrent + "]";
    }
}
