package org.llmgine.bus.internal;

import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;
import org.jspecify.annotations.Nullable;

/**
 * The body of the pool's monitor thread ({@code llmgine-bus-<bus>-dispatcher}): while any worker
 * is busy or lanes wait, it looks every {@link #PERIOD_NANOS} at the busy workers and the ready
 * queue. A busy worker that made no progress since the last look is stuck in a handler; a lane that
 * waited a whole period is a backlog. Then it asks the pool for another worker
 * ({@link Workers#moreWorkersLocked}). While workers are busy but no lane waits there is nothing to
 * rescue, so it looks less and less often, up to {@link #IDLE_PERIOD_NANOS}, and a worker streaming
 * one lane is not interrupted every half millisecond; while no worker is busy and no lane waits, it
 * parks until the pool signals it.
 *
 * <p>Concurrency: everything here runs under the pool's lock, released while it sleeps; its
 * condition belongs to that lock.
 */
final class WorkerMonitor implements Runnable {

    /** How often the monitor looks while lanes wait. */
    static final long PERIOD_NANOS = 500_000L;
    /** The longest it sleeps while workers are busy and no lane waits (the period doubles up to this). */
    static final long IDLE_PERIOD_NANOS = 8_000_000L;

    private final Workers pool;
    private final ReentrantLock lock;
    private final Condition wake;
    private boolean waiting;
    /** The oldest waiting lane at the last look, and its age then. */
    private @Nullable Lane lastFirst;
    private long lastFirstOrder;

    WorkerMonitor(Workers pool) {
        this.pool = pool;
        this.lock = pool.lock();
        this.wake = lock.newCondition();
    }

    /** Wakes the monitor if it is parked (pool lock held): workers became busy, or one failed to start. */
    void signalLocked() {
        if (waiting) {
            wake.signal();
        }
    }

    @Override
    public void run() {
        long period = PERIOD_NANOS;
        lock.lock();
        try {
            while (!pool.closedLocked()) {
                if (!pool.activeLocked()) {
                    waiting = true;
                    try {
                        wake.await();
                    } catch (InterruptedException e) {
                        return; // close cancelled it
                    } finally {
                        waiting = false;
                    }
                    continue;
                }
                pool.markProgressLocked();
                period = pool.lanesWaitingLocked() ? PERIOD_NANOS : Math.min(period * 2, IDLE_PERIOD_NANOS);
                lock.unlock();
                try {
                    LockSupport.parkNanos(this, period);
                } finally {
                    lock.lock();
                }
                if (Thread.currentThread().isInterrupted()) {
                    return;
                }
                Object more = pool.closedLocked() ? null : look();
                if (more != null) {
                    lock.unlock();
                    try {
                        pool.wakeUp(more);
                    } finally {
                        lock.lock();
                    }
                }
            }
        } finally {
            lock.unlock();
        }
    }

    /** One look (lock held): the oldest waiting lane, whether it already waited at the last look, the pool's decision. */
    private @Nullable Object look() {
        Lane first = pool.firstWaitingLocked();
        boolean waitedAPeriod = first != null && first == lastFirst && first.readyOrder == lastFirstOrder;
        lastFirst = first;
        lastFirstOrder = first == null ? 0 : first.readyOrder;
        return first == null ? null : pool.moreWorkersLocked(first, waitedAPeriod);
    }
}
