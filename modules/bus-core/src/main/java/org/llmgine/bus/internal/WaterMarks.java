package org.llmgine.bus.internal;

import java.lang.System.Logger.Level;
import java.util.ArrayDeque;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.IntSupplier;
import org.llmgine.bus.BusConfig;

/**
 * Backpressure with hysteresis: it turns on when the queue reaches the high mark and off when it
 * comes back to the low mark; between the marks nothing changes, so it cannot flap. Each crossing
 * is announced (observers, then a {@code BackpressureChanged} event) in the order the crossings
 * happened, by whichever thread finds announcements pending and nobody announcing.
 *
 * <p>The hot path pays one volatile read: a publisher checks {@link #active()} against the high
 * mark, a release against the low mark, and only a likely crossing takes the lock. Under the lock
 * the state is re-evaluated against the current size until it is stable, so a crossing that a
 * concurrent size change undid is not recorded, and none is missed: the last size change always
 * finds the state it must fix (each change updates the size before reading the state, and each
 * settle writes the state before re-reading the size).
 *
 * <p>Concurrency: {@code lock} guards the state, the pending crossings, {@code announcing} and
 * {@code highWaterHits}; {@code active} and {@code unannounced} are volatile mirrors for lock-free
 * reads. Announcing happens outside the lock (it runs observers and publishes), one thread at a
 * time. ReentrantLock, so a waiting virtual thread does not pin its carrier.
 */
final class WaterMarks {

    private static final System.Logger LOG = System.getLogger("org.llmgine.bus");

    /** A water-mark crossing, to be announced. */
    record Transition(boolean active, int queueSize) {
    }

    /** Receives the crossings in order. */
    interface Announcer {
        void announce(Transition transition);
    }

    private final int high;
    private final int low;
    private final Quiescence quiescence;
    private final ReentrantLock lock = new ReentrantLock();
    private final ArrayDeque<Transition> pending = new ArrayDeque<>();
    private volatile boolean active;
    private volatile int unannounced;
    private boolean announcing;
    private long highWaterHits;
    private Announcer announcer = transition -> { };

    WaterMarks(BusConfig config, Quiescence quiescence) {
        this.high = config.highMark();
        this.low = config.lowMark();
        this.quiescence = quiescence;
    }

    /** Sets who announces the crossings (the bus, once it is built). */
    void announceTo(Announcer target) {
        this.announcer = target;
    }

    boolean active() {
        return active;
    }

    int highMark() {
        return high;
    }

    int lowMark() {
        return low;
    }

    /**
     * Tells whether nothing is left to settle or announce: backpressure is off and every crossing so
     * far has been announced. With the queue empty, backpressure on means the off crossing is still
     * due: the completion that emptied the queue has freed its slot but not yet settled (it records
     * the crossing only after it updated the size), so {@code unannounced == 0} alone would let an
     * idle wait end before that crossing is recorded. Read under the lock, so the state and the
     * count are seen together.
     */
    boolean quiet() {
        lock.lock();
        try {
            return !active && unannounced == 0;
        } finally {
            lock.unlock();
        }
    }

    long highWaterHits() {
        lock.lock();
        try {
            return highWaterHits;
        } finally {
            lock.unlock();
        }
    }

    /** Brings the state in line with the current size, then announces what is pending. */
    void settle(IntSupplier size) {
        lock.lock();
        try {
            while (true) {
                int now = size.getAsInt();
                if (!active && now >= high) {
                    active = true;
                    highWaterHits++;
                    pending.addLast(new Transition(true, now));
                } else if (active && now <= low) {
                    // Events finish one by one, so the queue passed the low mark itself on its way down.
                    active = false;
                    pending.addLast(new Transition(false, low));
                } else {
                    break;
                }
                unannounced++;
            }
            if (announcing || pending.isEmpty()) {
                return;
            }
            announcing = true;
        } finally {
            lock.unlock();
        }
        announcePending();
    }

    private void announcePending() {
        while (true) {
            Transition next;
            lock.lock();
            try {
                next = pending.pollFirst();
                if (next == null) {
                    announcing = false;
                    break;
                }
            } finally {
                lock.unlock();
            }
            try {
                announcer.announce(next);
            } catch (Throwable t) {
                LOG.log(Level.ERROR, "announcing backpressure " + (next.active() ? "on" : "off") + " failed", t);
            } finally {
                lock.lock();
                try {
                    unannounced--;
                } finally {
                    lock.unlock();
                }
            }
        }
        quiescence.signal();
    }
}
