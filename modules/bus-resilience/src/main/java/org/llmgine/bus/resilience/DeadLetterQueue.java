package org.llmgine.bus.resilience;

import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Predicate;
import org.jspecify.annotations.Nullable;
import org.llmgine.bus.message.CommandResult;
import org.llmgine.bus.message.FailureCause;
import org.llmgine.bus.message.Headers;
import org.llmgine.bus.message.Message;
import org.llmgine.bus.message.MessageId;

/**
 * Where messages that could not be processed wait to be looked at, replayed or purged: commands
 * whose pipeline gave up, event handlers that did, and (if the policy asks) events DROP_OLDEST
 * evicted. Bounded (default 1000 entries) and never blocking: a full queue evicts its oldest entry
 * or rejects the new one, by its {@link Overflow}, and counts either (the Python queue hung the
 * caller instead, B-19). Listing is in arrival order and never changes the queue (B-26).
 *
 * <p>Replaying runs the message through its policy again, in its session, with the same command
 * or handler: a success removes the entry, a new failure updates it in place; an unknown id is a
 * value of its own ({@link ReplayResult.UnknownId}, B-28). A <em>sequenced</em> queue keeps
 * Axon's rule: once a message of a session's handler (or command type) is in the queue, that
 * sequence's later messages are not run but queued behind it ({@link SequenceBlocked}), and they
 * run in order after it is replayed with success or purged.
 *
 * <p>Entries are written through a {@link DeadLetterStore} (in memory by default) and read back
 * when the queue is built. Concurrency: one ReentrantLock guards the entries; store writes and
 * replays run outside it.
 */
public final class DeadLetterQueue {

    private static final System.Logger LOG = System.getLogger("org.llmgine.bus.resilience");

    /** What a full queue does with a new entry. */
    public enum Overflow {
        /** Evict the oldest entry not being replayed to make room (counted as evicted); with none, reject. */
        EVICT_OLDEST,
        /** Refuse the new entry (counted as rejected). */
        REJECT_NEW
    }

    /**
     * The queue's counts.
     *
     * @param size entries now
     * @param capacity the most entries
     * @param added entries added so far
     * @param evicted entries evicted to make room
     * @param rejected entries refused because the queue was full
     * @param replayed entries replayed with success (and removed)
     * @param purged entries purged
     * @param storeFailures store writes that failed (the entry stayed in memory)
     */
    public record Stats(int size, int capacity, long added, long evicted, long rejected, long replayed, long purged,
            long storeFailures) {
    }

    /** Runs an entry through the bus again; set by the policy that owns the queue. */
    interface Replayer {
        /** The result of running it again, or null with {@code notRun} holding why it did not run. */
        @Nullable CommandResult<?> replay(DeadLetter entry, Duration timeout, StringBuilder notRun)
                throws InterruptedException;
    }

    /** An entry the queue added, and whether it evicted another for it. */
    record Added(DeadLetter entry, @Nullable DeadLetter evicted) {
    }

    /** The queue's order: when an entry arrived, then its number (which a reopened queue continues). */
    private static final Comparator<DeadLetter> ARRIVAL = Comparator.comparing(DeadLetter::enqueuedAt)
            .thenComparingLong(entry -> entry.id().sequence());

    private final int capacity;
    private final Overflow overflow;
    private final DeadLetterStore store;
    private final InstantSource clock;
    private final boolean sequenced;
    private final Duration replayTimeout;
    private final UUID origin = UUID.randomUUID();
    private final AtomicLong nextSequence = new AtomicLong(1);
    private final ReentrantLock lock = new ReentrantLock();
    private final LinkedHashMap<MessageId, DeadLetter> entries = new LinkedHashMap<>();
    /** Entries per sequence key, for a sequenced queue; guarded by lock, read without it when empty. */
    private final HashMap<String, Integer> sequences = new HashMap<>();
    private volatile boolean anySequence;
    private final Set<MessageId> replaying = new HashSet<>();
    private long added;
    private long evicted;
    private long rejected;
    private long replayed;
    private long purged;
    private final AtomicLong storeFailures = new AtomicLong();
    private volatile @Nullable Replayer replayer;

    private DeadLetterQueue(Builder b) {
        this.capacity = b.capacity;
        this.overflow = b.overflow;
        this.store = b.store;
        this.clock = b.clock;
        this.sequenced = b.sequenced;
        this.replayTimeout = b.replayTimeout;
        List<DeadLetter> stored;
        try {
            stored = new ArrayList<>(store.pending());
        } catch (Exception e) {
            throw new IllegalStateException("dead letter store " + store + " could not be read: " + e, e);
        }
        stored.sort(ARRIVAL);
        stored.forEach(entry -> nextSequence.accumulateAndGet(entry.id().sequence() + 1, Math::max));
        for (DeadLetter entry : stored) {
            if (entries.size() == capacity) {
                LOG.log(System.Logger.Level.WARNING, "dead letter store holds more than the queue's capacity "
                        + capacity + "; entry " + entry.id() + " stays in the store but not in the queue");
                continue;
            }
            entries.put(entry.id(), entry);
            countSequence(entry, 1);
        }
    }

    /**
     * Makes a queue with every default: 1000 entries, evicting the oldest, in memory, not sequenced.
     *
     * @return the queue
     */
    public static DeadLetterQueue create() {
        return builder().build();
    }

    /**
     * Starts building a queue.
     *
     * @return a builder
     */
    public static Builder builder() {
        return new Builder();
    }

    void attach(Replayer replayer) {
        this.replayer = replayer;
    }

    void detach(Replayer replayer) {
        if (this.replayer == replayer) {
            this.replayer = null;
        }
    }

    /**
     * Returns whether later messages of a sequence wait behind a dead-lettered one.
     *
     * @return true if sequenced
     */
    public boolean isSequenced() {
        return sequenced;
    }

    /** The clock the queue stamps failures with. */
    InstantSource clock() {
        return clock;
    }

    /** For a sequenced queue, the oldest entry of the sequence, if the sequence has one. */
    @Nullable MessageId head(@Nullable String sessionId, String handlerOrType) {
        if (!sequenced || !anySequence) {
            return null;
        }
        String key = DeadLetter.sequenceKey(sessionId, handlerOrType);
        lock.lock();
        try {
            if (!sequences.containsKey(key)) {
                return null;
            }
            for (DeadLetter entry : entries.values()) {
                if (entry.sequenceKey().equals(key)) {
                    return entry.id();
                }
            }
            return null;
        } finally {
            lock.unlock();
        }
    }

    /** Adds an entry; null if the queue was full and rejects new entries (counted). */
    @Nullable Added add(Message message, MessageId messageId, @Nullable String sessionId, Headers headers,
            int priority, @Nullable String handler, FailureCause cause, int attempts, Instant firstFailure,
            @Nullable MessageId heldBehind) {
        Instant now = clock.instant();
        DeadLetter entry = new DeadLetter(new MessageId(origin, MessageId.Kind.DEAD_LETTER,
                nextSequence.getAndIncrement()), messageId, message, sessionId, headers, priority, handler, cause,
                attempts, firstFailure.isAfter(now) ? now : firstFailure, now, now, heldBehind);
        DeadLetter victim = null;
        lock.lock();
        try {
            if (entries.size() >= capacity) {
                victim = overflow == Overflow.EVICT_OLDEST ? oldestNotReplaying() : null;
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
        } finally {
            lock.unlock();
        }
        if (victim != null) {
            DeadLetter evictedEntry = victim;
            write(() -> store.cancel(evictedEntry.id()), evictedEntry);
        }
        write(() -> store.add(entry), entry);
        return new Added(entry, victim);
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

    /**
     * Returns every entry, oldest first; the queue is not changed.
     *
     * @return a snapshot
     */
    public List<DeadLetter> list() {
        return select(entry -> true, Integer.MAX_VALUE);
    }

    /**
     * Returns the oldest {@code limit} entries; the queue is not changed.
     *
     * @param limit at least 0
     * @return a snapshot
     */
    public List<DeadLetter> list(int limit) {
        if (limit < 0) {
            throw new IllegalArgumentException("limit must not be negative, but was " + limit);
        }
        return select(entry -> true, limit);
    }

    /**
     * Returns the entries whose message is of {@code type} (exact class), oldest first.
     *
     * @param type the message class
     * @return a snapshot
     */
    public List<DeadLetter> byType(Class<?> type) {
        Objects.requireNonNull(type, "type");
        return select(entry -> entry.message().getClass() == type, Integer.MAX_VALUE);
    }

    /**
     * Returns the entries of session {@code sessionId}, oldest first.
     *
     * @param sessionId the session
     * @return a snapshot
     */
    public List<DeadLetter> bySession(String sessionId) {
        Objects.requireNonNull(sessionId, "sessionId");
        return select(entry -> sessionId.equals(entry.sessionId()), Integer.MAX_VALUE);
    }

    private List<DeadLetter> select(Predicate<DeadLetter> which, int limit) {
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

    /**
     * Returns the entry with id {@code id}.
     *
     * @param id an entry's id
     * @return the entry
     */
    public Optional<DeadLetter> find(MessageId id) {
        Objects.requireNonNull(id, "id");
        lock.lock();
        try {
            return Optional.ofNullable(entries.get(id));
        } finally {
            lock.unlock();
        }
    }

    /**
     * Returns the number of entries.
     *
     * @return the size
     */
    public int size() {
        lock.lock();
        try {
            return entries.size();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Returns the queue's counts.
     *
     * @return the counts
     */
    public Stats stats() {
        lock.lock();
        try {
            return new Stats(entries.size(), capacity, added, evicted, rejected, replayed, purged, storeFailures.get());
        } finally {
            lock.unlock();
        }
    }

    /**
     * Removes an entry without running it. In a sequenced queue, purging the oldest entry of a
     * sequence releases the messages held behind it: they are replayed in order, on this thread,
     * until one fails again.
     *
     * @param id the entry's id
     * @return false if no entry has this id, or it is being replayed
     * @throws InterruptedException if interrupted while released messages run
     */
    public boolean purge(MessageId id) throws InterruptedException {
        Objects.requireNonNull(id, "id");
        DeadLetter entry;
        boolean wasHead;
        lock.lock();
        try {
            entry = entries.get(id);
            if (entry == null || replaying.contains(id)) {
                return false;
            }
            wasHead = sequenced && headOf(entry.sequenceKey()) == entry;
            entries.remove(id);
            countSequence(entry, -1);
            purged++;
        } finally {
            lock.unlock();
        }
        write(() -> store.cancel(id), entry);
        if (wasHead) {
            release(entry.sequenceKey());
        }
        return true;
    }

    /**
     * Removes every entry without running any (nothing is released).
     *
     * @return how many were removed
     */
    public int purgeAll() {
        List<DeadLetter> removed;
        lock.lock();
        try {
            removed = new ArrayList<>();
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
        } finally {
            lock.unlock();
        }
        removed.forEach(entry -> write(() -> store.cancel(entry.id()), entry));
        return removed.size();
    }

    /**
     * Runs an entry's message through its policy again, in its session, and waits for it (at most
     * the replay timeout). A success removes the entry and, in a sequenced queue, runs the
     * messages held behind it in order until one fails again; a failure updates the entry in
     * place. Call it from outside a handler: it waits for the bus.
     *
     * @param id the entry's id
     * @return what happened; never null
     * @throws InterruptedException if interrupted while the message runs
     */
    public ReplayResult replay(MessageId id) throws InterruptedException {
        Objects.requireNonNull(id, "id");
        ReplayResult result = replayOne(id);
        if (sequenced && result instanceof ReplayResult.Replayed done) {
            int released = release(done.entry().sequenceKey());
            return new ReplayResult.Replayed(done.entry(), done.result(), released);
        }
        return result;
    }

    /** Replays the entries of a sequence oldest first until one does not succeed; returns how many did. */
    private int release(String sequenceKey) throws InterruptedException {
        int released = 0;
        while (true) {
            DeadLetter next;
            lock.lock();
            try {
                next = headOf(sequenceKey);
            } finally {
                lock.unlock();
            }
            if (next == null || !(replayOne(next.id()) instanceof ReplayResult.Replayed)) {
                return released;
            }
            released++;
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

    private ReplayResult replayOne(MessageId id) throws InterruptedException {
        DeadLetter entry;
        lock.lock();
        try {
            entry = entries.get(id);
            if (entry == null) {
                return new ReplayResult.UnknownId(id);
            }
            if (replaying.contains(id)) {
                return new ReplayResult.NotReplayed(entry, "a replay of entry " + id + " is running");
            }
            DeadLetter head = sequenced ? headOf(entry.sequenceKey()) : entry;
            if (head != entry && head != null) {
                return new ReplayResult.NotReplayed(entry, "entry " + head.id()
                        + " of the same sequence is older and must be replayed or purged first");
            }
            replaying.add(id);
        } finally {
            lock.unlock();
        }
        try {
            Replayer runner = replayer;
            if (runner == null) {
                return new ReplayResult.NotReplayed(entry, "the queue is not attached to a running bus's policy");
            }
            Instant now = clock.instant();
            try {
                if (!store.claim(id, origin, now, now.plus(replayTimeout))) {
                    return new ReplayResult.NotReplayed(entry, "entry " + id + " is claimed by another queue's replay");
                }
            } catch (Exception e) {
                return new ReplayResult.NotReplayed(entry, "dead letter store " + store + " failed to claim "
                        + id + ": " + e);
            }
            StringBuilder notRun = new StringBuilder();
            CommandResult<?> result = runner.replay(entry, replayTimeout, notRun);
            if (result == null) {
                return new ReplayResult.NotReplayed(entry, notRun.toString());
            }
            if (result instanceof CommandResult.Failure<?> failure) {
                FailureCause cause = failure.cause();
                int attempts = cause instanceof FailureCause.RetriesExhausted exhausted ? exhausted.attempts() : 1;
                DeadLetter again = entry.failedAgain(cause, attempts, clock.instant());
                lock.lock();
                try {
                    entries.replace(id, again); // still there: eviction and purge leave a replaying entry alone
                } finally {
                    lock.unlock();
                }
                write(() -> {
                    store.cancel(id);
                    store.add(again);
                }, again);
                return new ReplayResult.StillFailing(again);
            }
            lock.lock();
            try {
                entries.remove(id);
                countSequence(entry, -1);
                replayed++;
            } finally {
                lock.unlock();
            }
            write(() -> store.complete(id), entry);
            return new ReplayResult.Replayed(entry, result, 0);
        } finally {
            lock.lock();
            try {
                replaying.remove(id);
            } finally {
                lock.unlock();
            }
        }
    }

    private interface StoreWrite {
        void run() throws Exception;
    }

    private void write(StoreWrite write, DeadLetter entry) {
        try {
            write.run();
        } catch (Exception e) {
            storeFailures.incrementAndGet();
            LOG.log(System.Logger.Level.ERROR, "dead letter store " + store + " failed to write entry " + entry.id()
                    + " (" + entry.message().getClass().getSimpleName() + "); the queue keeps it in memory", e);
        }
    }

    @Override
    public String toString() {
        return "DeadLetterQueue[" + size() + "/" + capacity + ", " + overflow + (sequenced ? ", sequenced" : "") + "]";
    }

    /** Builds a {@link DeadLetterQueue}. */
    public static final class Builder {

        private int capacity = 1000;
        private Overflow overflow = Overflow.EVICT_OLDEST;
        private DeadLetterStore store = new InMemoryDeadLetterStore();
        private InstantSource clock = InstantSource.system();
        private boolean sequenced;
        private Duration replayTimeout = Duration.ofSeconds(30);

        private Builder() {
        }

        /**
         * Sets the most entries (default 1000).
         *
         * @param capacity at least 1
         * @return this builder
         */
        public Builder capacity(int capacity) {
            if (capacity < 1) {
                throw new IllegalArgumentException("capacity must be at least 1, but was " + capacity);
            }
            this.capacity = capacity;
            return this;
        }

        /**
         * Sets what a full queue does with a new entry (default EVICT_OLDEST).
         *
         * @param overflow the policy
         * @return this builder
         */
        public Builder overflow(Overflow overflow) {
            this.overflow = Objects.requireNonNull(overflow, "overflow");
            return this;
        }

        /**
         * Sets the store entries are written through (default a new {@link InMemoryDeadLetterStore}).
         *
         * @param store the store
         * @return this builder
         */
        public Builder store(DeadLetterStore store) {
            this.store = Objects.requireNonNull(store, "store");
            return this;
        }

        /**
         * Sets the clock failures are stamped with (default the system clock): give it the bus's.
         *
         * @param clock the clock
         * @return this builder
         */
        public Builder clock(InstantSource clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /**
         * Keeps a session's later messages of the same handler (or command type) behind a
         * dead-lettered one until it is replayed or purged (default false).
         *
         * @param sequenced true for Axon's sequenced dead-lettering
         * @return this builder
         */
        public Builder sequenced(boolean sequenced) {
            this.sequenced = sequenced;
            return this;
        }

        /**
         * Sets how long one replayed message may take (default 30 s).
         *
         * @param replayTimeout positive
         * @return this builder
         */
        public Builder replayTimeout(Duration replayTimeout) {
            Objects.requireNonNull(replayTimeout, "replayTimeout");
            if (replayTimeout.isNegative() || replayTimeout.isZero()) {
                throw new IllegalArgumentException("replayTimeout must be positive, but was " + replayTimeout);
            }
            this.replayTimeout = replayTimeout;
            return this;
        }

        /**
         * Builds the queue, reading the entries the store holds.
         *
         * @return the queue
         * @throws IllegalStateException if the store cannot be read
         */
        public DeadLetterQueue build() {
            return new DeadLetterQueue(this);
        }
    }
}
