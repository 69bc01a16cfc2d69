package org.llmgine.bus.internal;

import java.util.function.BooleanSupplier;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The wait for the whole bus to become idle ({@code MessageBus.awaitIdle} and close). Whatever can
 * end the wait (the last unfinished event, the last running command, the last water-mark crossing
 * announced) calls {@link #signal()}, which costs one volatile read unless someone waits. A
 * session's own idle wait is its lane's ({@link Lane#awaitIdle}), so sessions never wake bus
 * waiters and the other way round.
 *
 * <p>Concurrency: {@code lock} guards the wait; {@code waiters} is written under it and read
 * without it. A waiter registers before it evaluates the condition, and every change updates its
 * state before it reads {@code waiters}, so either the waiter sees the change or the change sees
 * the waiter. ReentrantLock, so a waiting virtual thread does not pin its carrier.
 */
final class Quiescence {

    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private volatile int waiters;

    boolean hasWaiters() {
        return waiters > 0;
    }

    /** Wakes the waiters so they re-evaluate their condition; free when nobody waits. */
    void signal() {
        if (waiters > 0) {
            lock.lock();
            try {
                changed.signalAll();
            } finally {
                lock.unlock();
            }
        }
    }

    /**
     * Waits until {@code idle} holds, at most {@code nanos}.
     *
     * @return true if it holds, false if the time ran out
     */
    boolean await(long nanos, BooleanSupplier idle) throws InterruptedException {
        lock.lockInterruptibly();
        try {
            waiters++;
            try {
                while (!idle.getAsBoolean()) {
                    if (nanos <= 0) {
                        return false;
                    }
                    nanos = changed.awaitNanos(nanos);
                }
                return true;
            } finally {
                waiters--;
            }
        } finally {
            lock.unlock();
        }
    }
}
