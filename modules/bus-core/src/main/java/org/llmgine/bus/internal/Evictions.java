package org.llmgine.bus.internal;

import java.util.concurrent.locks.ReentrantLock;
import org.jspecify.annotations.Nullable;

/**
 * DROP_OLDEST's bookkeeping: every unfinished user event, in acceptance order, so that the oldest
 * one whose handlers have not started can be evicted wherever it waits. Lifecycle events are never
 * in the list, so they are never evicted, and an {@code EventDropped} notice is never about another
 * notice.
 *
 * <p>Concurrency: {@code lock} guards the list and the {@code prev/next} links of every delivery.
 * Under DROP_OLDEST a user publish holds it across its whole offer (evict, admit, link), so
 * evictions and acceptances are serialized and the number of unfinished user events never exceeds
 * the capacity; a finished delivery is unlinked under it. Only {@link EvictableDelivery}s are linked. While holding it a publisher takes one
 * lane lock at a time (the victim's, then its own); nothing takes it while holding a lane lock, so
 * the order cannot deadlock. Who wins a delivery, its worker or an eviction, is decided by the
 * delivery's compare-and-set, not by this lock. ReentrantLock, so a waiting virtual thread does not
 * pin its carrier. This is the strategy's own cost: other strategies never touch it.
 */
final class Evictions {

    private final ReentrantLock lock = new ReentrantLock();
    private @Nullable EvictableDelivery head;
    private @Nullable EvictableDelivery tail;

    ReentrantLock lock() {
        return lock;
    }

    /** Appends an accepted user event (lock held). */
    void link(EvictableDelivery delivery) {
        delivery.evictPrev = tail;
        delivery.evictNext = null;
        if (tail == null) {
            head = delivery;
        } else {
            tail.evictNext = delivery;
        }
        tail = delivery;
    }

    /** Removes a delivery that finished or was returned; a no-op for one no longer linked. */
    void unlink(Delivery delivery) {
        if (!(delivery instanceof EvictableDelivery evictable)) {
            return; // a lifecycle event: never linked
        }
        lock.lock();
        try {
            unlinkLocked(evictable);
        } finally {
            lock.unlock();
        }
    }

    private void unlinkLocked(EvictableDelivery delivery) {
        EvictableDelivery before = delivery.evictPrev;
        EvictableDelivery after = delivery.evictNext;
        if (before == null && head != delivery) {
            return; // not linked (lifecycle, or already removed)
        }
        if (before == null) {
            head = after;
        } else {
            before.evictNext = after;
        }
        if (after == null) {
            tail = before;
        } else {
            after.evictPrev = before;
        }
        delivery.evictPrev = null;
        delivery.evictNext = null;
    }

    /**
     * Claims and unlinks the oldest user event whose handlers have not started (lock held), and
     * removes it from its lane's mailbox if it still waits there (one already taken by a worker is
     * skipped by it). The walk passes only events being handled, at most a batch per lane.
     *
     * @return the evicted delivery, or null if every unfinished user event has started
     */
    @Nullable EvictableDelivery evictOldest() {
        for (EvictableDelivery d = head; d != null; d = d.evictNext) {
            if (d.drop()) {
                unlinkLocked(d);
                d.lane.removeWaiting(d);
                return d;
            }
        }
        return null;
    }
}
