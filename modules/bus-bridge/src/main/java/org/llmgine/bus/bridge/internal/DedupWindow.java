package org.llmgine.bus.bridge.internal;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The message ids an inbound side saw last, at most {@code capacity} of them (the oldest forgotten
 * first): a record whose id is here is a redelivery, and its effect is skipped. Bounded, so a
 * redelivery older than the window is handled again (documented: size the window above the
 * records a rebalance can replay).
 */
final class DedupWindow {

    private final ReentrantLock lock = new ReentrantLock();
    private final LinkedHashMap<String, Boolean> seen;

    DedupWindow(int capacity) {
        if (capacity < 1) {
            throw new IllegalArgumentException("the dedup window must hold at least 1 id, but was " + capacity);
        }
        this.seen = new LinkedHashMap<>(16, 0.75f, false) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Boolean> eldest) {
                return size() > capacity;
            }
        };
    }

    /** Records the id; true the first time, false if it is in the window already. */
    boolean firstTime(String id) {
        lock.lock();
        try {
            return seen.putIfAbsent(id, Boolean.TRUE) == null;
        } finally {
            lock.unlock();
        }
    }

    /** Forgets an id whose record was not handled after all (the bus closed first): its redelivery counts. */
    void forget(String id) {
        lock.lock();
        try {
            seen.remove(id);
        } finally {
            lock.unlock();
        }
    }
}
