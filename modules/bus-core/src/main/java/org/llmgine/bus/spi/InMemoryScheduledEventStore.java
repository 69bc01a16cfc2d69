package org.llmgine.bus.spi;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.locks.ReentrantLock;
import org.jspecify.annotations.Nullable;
import org.llmgine.bus.message.MessageId;

/**
 * A {@link ScheduledEventStore} in memory: pending scheduled events survive a bus (closed, or
 * dropped without close) and a new bus built with the same store, in the same process. Every bus
 * has one by default.
 *
 * <p>Concurrency: one ReentrantLock guards the map (not a monitor lock, which would pin a
 * virtual thread's carrier while it waits).
 */
public final class InMemoryScheduledEventStore implements ScheduledEventStore {

    private static final class Row {
        final StoredScheduledEvent entry;
        @Nullable UUID owner;
        @Nullable Instant claimUntil;

        Row(StoredScheduledEvent entry) {
            this.entry = entry;
        }
    }

    private final ReentrantLock lock = new ReentrantLock();
    private final LinkedHashMap<MessageId, Row> rows = new LinkedHashMap<>();

    /** Creates an empty store. */
    public InMemoryScheduledEventStore() {
    }

    @Override
    public void add(StoredScheduledEvent entry) {
        Objects.requireNonNull(entry, "entry");
        lock.lock();
        try {
            if (rows.putIfAbsent(entry.id(), new Row(entry)) != null) {
                throw new IllegalArgumentException("scheduled event " + entry.id() + " is already in the store");
            }
        } finally {
            lock.unlock();
        }
    }

    @Override
    public boolean claim(MessageId id, UUID owner, Instant now, Instant until) {
        lock.lock();
        try {
            Row row = rows.get(id);
            if (row == null) {
                return false;
            }
            Instant lapse = row.claimUntil;
            if (row.owner == null || row.owner.equals(owner) || lapse == null || lapse.isBefore(now)) {
                row.owner = owner;
                row.claimUntil = until;
                return true;
            }
            return false;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void complete(MessageId id) {
        remove(id);
    }

    @Override
    public boolean cancel(MessageId id) {
        return remove(id);
    }

    private boolean remove(MessageId id) {
        lock.lock();
        try {
            return rows.remove(id) != null;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public List<StoredScheduledEvent> pending() {
        lock.lock();
        try {
            var all = new ArrayList<StoredScheduledEvent>(rows.size());
            rows.values().forEach(row -> all.add(row.entry));
            return all;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public Optional<StoredScheduledEvent> find(MessageId id) {
        lock.lock();
        try {
            Row row = rows.get(id);
            return row == null ? Optional.empty() : Optional.of(row.entry);
        } finally {
            lock.unlock();
        }
    }

    @Override
    public List<StoredScheduledEvent> bySession(String sessionId) {
        Objects.requireNonNull(sessionId, "sessionId");
        lock.lock();
        try {
            var found = new ArrayList<StoredScheduledEvent>();
            rows.values().forEach(row -> {
                if (sessionId.equals(row.entry.sessionId())) {
                    found.add(row.entry);
                }
            });
            return found;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Returns the pending entries now (same as {@link #pending()}).
     *
     * @return a snapshot
     */
    public List<StoredScheduledEvent> contents() {
        return pending();
    }
}
