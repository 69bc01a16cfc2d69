package org.llmgine.bus.spi;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A {@link ScheduledEventStore} in memory: pending scheduled events survive a close and a new bus
 * built with the same store, in the same process. Every bus has one by default.
 *
 * <p>Concurrency: one ReentrantLock guards the list.
 */
public final class InMemoryScheduledEventStore implements ScheduledEventStore {

    private final ReentrantLock lock = new ReentrantLock();
    private final List<StoredScheduledEvent> events = new ArrayList<>();

    /** Creates an empty store. */
    public InMemoryScheduledEventStore() {
    }

    @Override
    public void save(List<StoredScheduledEvent> saved) {
        Objects.requireNonNull(saved, "saved");
        lock.lock();
        try {
            events.addAll(saved);
        } finally {
            lock.unlock();
        }
    }

    @Override
    public List<StoredScheduledEvent> takeAll() {
        lock.lock();
        try {
            var all = List.copyOf(events);
            events.clear();
            return all;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Returns the events kept now, without removing them.
     *
     * @return a snapshot
     */
    public List<StoredScheduledEvent> contents() {
        lock.lock();
        try {
            return List.copyOf(events);
        } finally {
            lock.unlock();
        }
    }
}
