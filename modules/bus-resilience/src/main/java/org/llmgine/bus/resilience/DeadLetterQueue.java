package org.llmgine.bus.resilience;

import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
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
 * when the queue is built. Concurrency: the entries and their counts are a
 * {@link DeadLetterEntries} under one ReentrantLock; store writes and replays run outside it.
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
        /** Runs the entry's message again and waits for it, at most {@code timeout}. */
        Run replay(DeadLetter entry, Duration timeout) throws InterruptedException;
    }

    /** What running an entry again gave. */
    sealed interface Run {
        /** It ran to this result. */
        record Done(CommandResult<?> result) implements Run {
        }

        /** It did not run, for this reason. */
        record NotRun(String reason) implements Run {
        }

        /** It runs past the timeout; {@code outcome} completes when it ends (or never, if null). */
        record StillRunning(@Nullable CompletableFuture<CommandResult<?>> outcome) implements Run {
        }
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
    private final DeadLetterEntries entries;
    private final AtomicLong storeFailures = new AtomicLong();
    private volatile @Nullable Replayer replayer;

    private DeadLetterQueue(Builder b) {
        this.capacity = b.capacity;
        this.overflow = b.overflow;
        this.store = b.store;
        this.clock = b.clock;
        this.sequenced = b.sequenced;
        this.replayTimeout = b.replayTimeout;
        this.entries = new DeadLetterEntries(capacity, overflow == Overflow.EVICT_OLDEST, sequenced);
        List<DeadLetter> stored;
        try {
            stored = new ArrayList<>(store.pending());
        } catch (Exception e) {
            throw new IllegalStateException("dead letter store " + store + " could not be read: " + e, e);
        }
        stored.sort(ARRIVAL);
        stored.forEach(entry -> nextSequence.accumulateAndGet(entry.id().sequence() + 1, Math::max));
        for (DeadLetter entry : stored) {
            if (!entries.load(entry)) {
                LOG.log(System.Logger.Level.WARNING, "dead letter store holds more than the queue's capacity "
                        + capacity + "; entry " + entry.id() + " stays in the store but not in the queue");
            }
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
        return entries.head(DeadLetter.sequenceKey(sessionId, handlerOrType));
    }

    /** Adds an entry; null if the queue was full and refused it (counted). */
    DeadLetterEntries.@Nullable Added add(Message message, MessageId messageId, @Nullable String sessionId,
            Headers headers, int priority, @Nullable String handler, FailureCause cause, int attempts,
            Instant firstFailure, @Nullable MessageId heldBehind) {
        Instant now = clock.instant();
        DeadLetter entry = new DeadLetter(new MessageId(origin, MessageId.Kind.DEAD_LETTER,
                nextSequence.getAndIncrement()), messageId, message, sessionId, headers, priority, handler, cause,
                attempts, firstFailure.isAfter(now) ? now : firstFailure, now, now, heldBehind);
        DeadLetterEntries.Added added = entries.add(entry);
        if (added == null) {
            return null;
        }
        DeadLetter victim = added.evicted();
        if (victim != null) {
            write(() -> store.cancel(victim.id()), victim);
        }
        write(() -> store.add(entry), entry);
        JfrEvents.deadLettered(entry, victim != null);
        return added;
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
        return entries.select(which, limit);
    }

    /**
     * Returns the entry with id {@code id}.
     *
     * @param id an entry's id
     * @return the entry
     */
    public Optional<DeadLetter> find(MessageId id) {
        Objects.requireNonNull(id, "id");
        return Optional.ofNullable(entries.find(id));
    }

    /**
     * Returns the number of entries.
     *
     * @return the size
     */
    public int size() {
        return entries.counts().size();
    }

    /**
     * Returns the queue's counts.
     *
     * @return the counts
     */
    public Stats stats() {
        DeadLetterEntries.Counts c = entries.counts();
        return new Stats(c.size(), capacity, c.added(), c.evicted(), c.rejected(), c.replayed(), c.purged(),
                storeFailures.get());
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
        DeadLetterEntries.Purged purge = entries.purge(id);
        if (purge == null) {
            return false;
        }
        write(() -> store.cancel(id), purge.entry());
        if (purge.wasHead()) {
            release(purge.entry().sequenceKey());
        }
        return true;
    }

    /**
     * Removes every entry without running any (nothing is released).
     *
     * @return how many were removed
     */
    public int purgeAll() {
        List<DeadLetter> removed = entries.purgeAll();
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
            DeadLetter next = entries.headEntry(sequenceKey);
            if (next == null || !(replayOne(next.id()) instanceof ReplayResult.Replayed)) {
                return released;
            }
            released++;
        }
    }

    private ReplayResult replayOne(MessageId id) throws InterruptedException {
        DeadLetterEntries.Begun begun = entries.beginReplay(id);
        DeadLetter entry = begun.entry();
        if (entry == null) {
            return Objects.requireNonNull(begun.refusal());
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
            Run run = runner.replay(entry, replayTimeout);
            return switch (run) {
                case Run.NotRun notRun -> new ReplayResult.NotReplayed(entry, notRun.reason());
                case Run.Done done -> settle(entry, done.result());
                case Run.StillRunning running -> {
                    if (running.outcome() != null) {
                        running.outcome().thenAccept(late -> settleLate(entry, late));
                    }
                    yield new ReplayResult.StillRunning(entry, replayTimeout);
                }
            };
        } finally {
            entries.endReplay(id);
        }
    }

    /** Applies a replay's result to its entry: removed on success, updated in place on failure. */
    private ReplayResult settle(DeadLetter entry, CommandResult<?> result) {
        if (result instanceof CommandResult.Failure<?> failure) {
            FailureCause cause = failure.cause();
            int attempts = cause instanceof FailureCause.RetriesExhausted exhausted ? exhausted.attempts() : 1;
            DeadLetter again = entry.failedAgain(cause, attempts, clock.instant());
            if (entries.replayFailed(again)) {
                write(() -> {
                    store.cancel(again.id());
                    store.add(again);
                }, again);
            }
            return new ReplayResult.StillFailing(again);
        }
        if (entries.replaySucceeded(entry)) {
            write(() -> store.complete(entry.id()), entry);
        }
        return new ReplayResult.Replayed(entry, result, 0);
    }

    /** A replay that ran past its timeout ended: its result settles the entry unless another replay runs it. */
    private void settleLate(DeadLetter entry, CommandResult<?> result) {
        DeadLetterEntries.Begun begun = entries.beginReplay(entry.id());
        if (begun.entry() == null) {
            return; // gone (purged, evicted) or being replayed again: that path decides
        }
        try {
            settle(begun.entry(), result);
        } finally {
            entries.endReplay(entry.id());
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
