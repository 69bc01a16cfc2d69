package org.llmgine.bus.spi;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Predicate;
import org.jspecify.annotations.Nullable;
import org.llmgine.bus.message.MessageId;

/**
 * A {@link WriteThroughStore} in memory, in the order entries were added: the in-memory store of
 * every module that keeps its entries through one ({@link InMemoryScheduledEventStore}, the
 * resilience module's dead letter store). Entries survive the bus that wrote them (closed, or
 * dropped without close) for a new bus built with the same store, in the same process.
 *
 * <p>Concurrency: one ReentrantLock guards the map (not a monitor lock, which would pin a
 * virtual thread's carrier while it waits).
 *
 * @param <E> the entry type
 */
public class InMemoryWriteThroughStore<E extends StoredEntry> implements WriteThroughStore<E> {

    private static final class Row<E> {
        final E entry;
        @Nullable UUID owner;
        @Nullable Instant claimUntil;

        Row(E entry) {
            this.entry = entry;
        }
    }

    private final ReentrantLock lock = new ReentrantLock();
    private final LinkedHashMap<MessageId, Row<E>> rows = new LinkedHashMap<>();
    private final String noun;

    /**
     * Creates an empty store.
     *
     * @param noun what an entry is, for error messages ("scheduled event", "dead letter")
     */
    protected InMemoryWriteThroughStore(String noun) {
        this.noun = Objects.requireNonNull(noun, "noun");
    }

    @Override
    public final void add(E entry) {
        Objects.requireNonNull(entry, "entry");
        lock.lock();
        try {
            if (rows.putIfAbsent(entry.id(), new Row<>(entry)) != null) {
                throw new IllegalArgumentException(noun + " " + entry.id() + " is already in the store");
            }
        } finally {
            lock.unlock();
        }
    }

    @Override
    public final boolean claim(MessageId id, UUID owner, Instant now, Instant until) {
        lock.lock();
        try {
            Row<E> row = rows.get(id);
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
    public final void complete(MessageId id) {
        remove(id);
    }

    @Override
    public final boolean cancel(MessageId id) {
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
    public final List<E> pending() {
        lock.lock();
        try {
            var all = new ArrayList<E>(rows.size());
            rows.values().forEach(row -> all.add(row.entry));
            return all;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public final Optional<E> find(MessageId id) {
        lock.lock();
        try {
            Row<E> row = rows.get(id);
            return row == null ? Optional.empty() : Optional.of(row.entry);
        } finally {
            lock.unlock();
        }
    }

    @Override
    public final List<E> bySession(String sessionId) {
        Objects.requireNonNull(sessionId, "sessionId");
        lock.lock();
        try {
            var found = new ArrayList<E>();
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
    public final List<E> contents() {
        return pending();
    }

    /**
     * Claims, for {@code owner}, up to {@code limit} entries that {@code eligible} accepts and that
     * no live claim holds (not even {@code owner}'s), in {@code order}: the in-memory form of a
     * database store's batch claim.
     *
     * @param eligible which entries may be claimed
     * @param order the order to claim them in
     * @param owner the claiming instance
     * @param now the claimer's time
     * @param until when the claims lapse
     * @param limit at most this many, at least 1
     * @return the entries {@code owner} holds now
     * @throws IllegalArgumentException if {@code limit} is below 1
     */
    protected final List<E> claimUnheld(Predicate<? super E> eligible, Comparator<? super E> order, UUID owner, Instant now, Instant until, int limit) {
        if (limit < 1) {
            throw new IllegalArgumentException("limit must be at least 1, but was " + limit);
        }
        lock.lock();
        try {
            List<Row<E>> free = new ArrayList<>();
            for (Row<E> row : rows.values()) {
                Instant lapse = row.claimUntil;
                if ((row.owner == null || lapse == null || lapse.isBefore(now)) && eligible.test(row.entry)) {
                    free.add(row);
                }
            }
            free.sort((a, b) -> order.compare(a.entry, b.entry));
            List<E> claimed = new ArrayList<>();
            for (Row<E> row : free.subList(0, Math.min(limit, free.size()))) {
                row.owner = owner;
                row.claimUntil = until;
                claimed.add(row.entry);
            }
            return claimed;
        } finally {
            lock.unlock();
        }
    }
}
