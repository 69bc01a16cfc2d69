package org.llmgine.bus.resilience;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Set;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Predicate;
import org.jspecify.annotations.Nullable;
import org.llmgine.bus.message.MessageId;

/**
 * The entries of a {@link DeadLetterQueue} and their counts, under one lock: arrival order, the
 * bound and what a full queue does, the sequences of a sequenced queue, and which entries a replay
 * is running (those are never evicted or purged). The queue around it writes the store and runs the
 * replays, outside this lock.
 */
final class DeadLetterEntries {

    /** An entry added, and the one evicted for it (or null). */
    record Added(DeadLetter entry, @Nullable DeadLetter evicted) {
    }

    /** An entry purged, and whether it was the oldest of its sequence (so the ones behind it go). */
    record Purged(DeadLetter entry, boolean wasHead) {
    }

    /** A replay begun on {@code entry}, or refused with {@code refusal}. */
    record Begun(@Nullable DeadLetter entry, @Nullable ReplayResult refusal) {
    }

    /** The counts, as the queue reports them. */
    record Counts(int size, long added, long evicted, long rejected, long replayed, long purged) {
    }

    private final int capacity;
    private final boolean evictOldest;
    private final boolean sequenced;
    private final ReentrantLock lock = new ReentrantLock();
    private final LinkedHashMap<MessageId, DeadLetter> entries = new LinkedHashMap<>();
    /** Entries per sequence key, for a sequenced queue. */
    private final HashMap<String, Integer> sequences = new HashMap<>();
    /** Whether any sequence has an entry: read without the lock, so an empty queue costs a volatile read. */
    private volatile boolean anySequence;
    private final Set<MessageId> replaying = new HashSet<>();
    private long added;
    private long evicted;
    private long rejected;
    private long replayed;
    private long purged;

    DeadLetterEntries(int capacity, boolean evictOldest, boolean sequenced) {
        this.capacity = capacity;
        this.evictOldest = evictOldest;
        this.sequenced = sequenced;
    }

    /** Puts back an entry read from the store (not counted as added); false if the queue is full. */
    boolean load(DeadLetter entry) {
        lock.lock();
        try {
            if (entries.size() >= capacity) {
                return false;
            }
            entries.put(entry.id(), entry);
            countSequence(entry, 1);
            return true;
        } finally {
            lock.unlock();
        }
    }

    /** Adds an entry, evicting the oldest one not being replayed if full; null if refused (counted). */
    @Nullable Added add(DeadLetter entry) {
        lock.lock();
        try {
            DeadLetter victim = null;
            if (entries.size() >= capacity) {
                victim = evictOldest ? oldestNotReplaying() : null;
                if (victim == null) { // REJECT_NEW, or every entry is being replayed and cannot go
                    rejected++;
                    return null;
                }
                entries.remove(victim.id());
                countSequence(victim, -1);
                evicted++;
            }
            entries.put(entry.id(), entry);
            countSequence(entry, 1);
            added++;
            return new Added(entry, victim);
        } finally {
            lock.unlock();
        }
    }

    private @Nullable DeadLetter oldestNotReplaying() {
        for (DeadLetter entry : entries.values()) {
            if (!replaying.contains(entry.id())) {
                return entry;
            }
        }
        return null;
    }

    private void countSequence(DeadLetter entry, int delta) {
        if (!sequenced) {
            return;
        }
        sequences.merge(entry.sequenceKey(), delta, (a, b) -> a + b == 0 ? null : a + b);
        anySequence = !sequences.isEmpty();
    }

    /** The id of the oldest entry of a sequence, or null (at once, without the lock, when none has one). */
    @Nullable MessageId head(String sequenceKey) {
        if (!sequenced || !anySequence) {
            return null;
        }
        lock.lock();
        try {
            if (!sequences.containsKey(sequenceKey)) {
                return null;
            }
            DeadLetter head = headOf(sequenceKey);
            return head == null ? null : head.id();
        } finally {
            lock.unlock();
        }
    }

    /** The oldest entry of a sequence, or null. */
    @Nullable DeadLetter headEntry(String sequenceKey) {
        lock.lock();
        try {
            return headOf(sequenceKey);
        } finally {
            lock.unlock();
        }
    }

    private @Nullable DeadLetter headOf(String sequenceKey) {
        for (DeadLetter entry : entries.values()) {
            if (entry.sequenceKey().equals(sequenceKey)) {
                return entry;
            }
        }
        return null;
    }

    List<DeadLetter> select(Predicate<DeadLetter> which, int limit) {
        lock.lock();
        try {
            List<DeadLetter> found = new ArrayList<>();
            for (DeadLetter entry : entries.values()) {
                if (found.size() >= limit) {
                    break;
                }
                if (which.test(entry)) {
                    found.add(entry);
                }
            }
            return found;
        } finally {
            lock.unlock();
        }
    }

    @Nullable DeadLetter find(MessageId id) {
        lock.lock();
        try {
            return entries.get(id);
        } finally {
            lock.unlock();
        }
    }

    Counts counts() {
        lock.lock();
        try {
            return new Counts(entries.size(), added, evicted, rejected, replayed, purged);
        } finally {
            lock.unlock();
        }
    }

    /** Removes an entry that is not being replayed; null if there is none such. */
    @Nullable Purged purge(MessageId id) {
        lock.lock();
        try {
            DeadLetter entry = entries.get(id);
            if (entry == null || replaying.contains(id)) {
                return null;
            }
            boolean wasHead = sequenced && headOf(entry.sequenceKey()) == entry;
            entries.remove(id);
            countSequence(entry, -1);
            purged++;
            return new Purged(entry, wasHead);
        } finally {
            lock.unlock();
        }
    }

    /** Removes every entry not being replayed. */
    List<DeadLetter> purgeAll() {
        lock.lock();
        try {
            List<DeadLetter> removed = new ArrayList<>();
            for (DeadLetter entry : entries.values()) {
                if (!replaying.contains(entry.id())) {
                    removed.add(entry);
                }
            }
            removed.forEach(entry -> {
                entries.remove(entry.id());
                countSequence(entry, -1);
            });
            purged += removed.size();
            return removed;
        } finally {
            lock.unlock();
        }
    }

    /** Marks an entry as being replayed, unless it is unknown, already replaying, or not its sequence's oldest. */
    Begun beginReplay(MessageId id) {
        lock.lock();
        try {
            DeadLetter entry = entries.get(id);
            if (entry == null) {
                return new Begun(null, new ReplayResult.UnknownId(id));
            }
            if (replaying.contains(id)) {
                return new Begun(null, new ReplayResult.NotReplayed(entry, "a replay of entry " + id + " is running"));
            }
            DeadLetter head = sequenced ? headOf(entry.sequenceKey()) : entry;
            if (head != null && head != entry) {
                return new Begun(null, new ReplayResult.NotReplayed(entry, "entry " + head.id()
                        + " of the same sequence is older and must be replayed or purged first"));
            }
            replaying.add(id);
            return new Begun(entry, null);
        } finally {
            lock.unlock();
        }
    }

    /** A replay failed again: the entry, in place, becomes {@code again}; false if it is gone. */
    boolean replayFailed(DeadLetter again) {
        lock.lock();
        try {
            return entries.replace(again.id(), again) != null; // eviction and purge leave a replaying entry alone
        } finally {
            lock.unlock();
        }
    }

    /** A replay succeeded: the entry goes; false if it was gone. */
    boolean replaySucceeded(DeadLetter entry) {
        lock.lock();
        try {
            if (entries.remove(entry.id()) == null) {
                return false;
            }
            countSequence(entry, -1);
            replayed++;
            return true;
        } finally {
            lock.unlock();
        }
    }

    /** The replay of {@code id} is over, whatever its outcome. */
    void endReplay(MessageId id) {
        lock.lock();
        try {
            replaying.remove(id);
        } finally {
            lock.unlock();
        }
    }
}
