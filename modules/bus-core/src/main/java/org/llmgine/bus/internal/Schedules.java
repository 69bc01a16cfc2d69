package org.llmgine.bus.internal;

import java.lang.System.Logger.Level;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import org.jspecify.annotations.Nullable;
import org.llmgine.bus.PublishOptions;
import org.llmgine.bus.PublishOutcome;
import org.llmgine.bus.ScheduledEvent;
import org.llmgine.bus.message.Event;
import org.llmgine.bus.message.MessageId;
import org.llmgine.bus.spi.ScheduledEventStore;
import org.llmgine.bus.spi.StoredScheduledEvent;

/**
 * Scheduled events of one bus, written through its {@link ScheduledEventStore}: added to the store
 * when scheduled (before {@code schedule} returns), claimed with a lease and completed when they
 * fire, cancelled in the store when cancelled, and loaded from the store at start. A crash therefore
 * loses nothing: the next bus on the store fires every entry still pending (at least once).
 *
 * <p>An entry names its session by id. When it fires it is published in the session open under
 * that id at that moment; with none open, in a detached lane for the id (only bus-scope handlers see
 * it), kept only while it has work, so events of one closed session still keep their order and no
 * lane is kept forever.
 *
 * <p>Concurrency: the entries map is concurrent; each entry decides its own fate by CAS
 * ({@link ScheduledEntry}); store calls are made outside any lock of the bus.
 */
final class Schedules {

    private static final System.Logger LOG = System.getLogger("org.llmgine.bus");
    /** How long a firing instance's claim on an entry lasts in a shared store. */
    static final Duration CLAIM_LEASE = Duration.ofMinutes(5);
    /**
     * How often the bus renews its claims on entries it fired whose handlers still run (an LLM
     * handler can outlast the lease): a fifth of the lease, so a live bus's claim is renewed four
     * times before it could lapse, and only a bus stalled for longer than the lease loses one.
     */
    static final Duration RENEW_EVERY = CLAIM_LEASE.dividedBy(5);
    /** How many due entries one poll of the store claims at a time. */
    static final int POLL_BATCH = 100;

    private final DefaultMessageBus bus;
    private final Timer timer;
    private final ScheduledEventStore store;
    private final ConcurrentHashMap<MessageId, ScheduledEntry> entries = new ConcurrentHashMap<>();
    /**
     * Entries this bus fired whose event has not ended yet: still in the store (completed only once
     * handled), so a poll after their lease lapsed would find them again; it skips them instead.
     */
    private final Set<MessageId> inFlight = ConcurrentHashMap.newKeySet();
    private final AtomicLong ids = new AtomicLong();
    private final AtomicInteger pending = new AtomicInteger();
    private final LongAdder fired = new LongAdder();
    private final LongAdder rejected = new LongAdder();
    private final LongAdder cancelled = new LongAdder();
    private final LongAdder stored = new LongAdder();
    private final LongAdder storeFailures = new LongAdder();
    private final LongAdder leasesLost = new LongAdder();
    /** Whether a {@link Renew} task is in the timer: one while entries are in flight, none otherwise. */
    private final AtomicBoolean renewScheduled = new AtomicBoolean();
    /** Per session id, the entries {@link #stop} left in the store (for the reports of sessions the bus closes). */
    private final ConcurrentHashMap<String, Integer> storedAtStop = new ConcurrentHashMap<>();

    Schedules(DefaultMessageBus bus, Timer timer, ScheduledEventStore store) {
        this.bus = bus;
        this.timer = timer;
        this.store = store;
    }

    /**
     * Schedules an event: writes it to the store, then to the timer. Once the timer has stopped (the
     * bus is closing) the entry stays in the store for the next bus.
     *
     * @throws IllegalStateException if the store could not take it (nothing is scheduled)
     */
    ScheduledEvent schedule(Lane lane, Event event, Instant due, PublishOptions options) {
        var record = new StoredScheduledEvent(new MessageId(bus.instanceId(), MessageId.Kind.SCHEDULED,
                ids.incrementAndGet()), event, lane.sessionId, due, options.headers(), options.priority());
        try {
            store.add(record);
        } catch (Exception e) {
            throw new IllegalStateException("bus '" + bus.name() + "' could not write scheduled event "
                    + event.getClass().getName() + " (id=" + record.id() + ") to its store " + store
                    + "; it is not scheduled: " + e, e);
        }
        return track(record);
    }

    private ScheduledEntry track(StoredScheduledEvent record) {
        var entry = new ScheduledEntry(this, record);
        ScheduledEntry known = entries.putIfAbsent(record.id(), entry);
        if (known != null) {
            return known; // scheduled while start() loaded the store: tracked once
        }
        pending.incrementAndGet();
        if (!timer.schedule(entry) && entry.markStored()) {
            entries.remove(record.id(), entry);
            pending.decrementAndGet();
            stored.increment();
        }
        return entry;
    }

    /**
     * Fires a due entry, on the timer thread: claims it in the store (another instance sharing the
     * store may hold it), publishes it through the normal path without waiting for room, and
     * completes it in the store.
     *
     * <p>If another instance holds the claim, the entry is left to it (STORED, counted in
     * {@code stored}), but watched: a live holder completes it within its lease; one that died
     * mid-fire (claimed, then crashed before completing) leaves it pending with a lease that lapses.
     * So after a lease the bus looks again ({@link #retry}): gone from the store, it is done; still
     * there, it claims it again and, once the claim is its own, fires it (at least once).
     *
     * @return the publish outcome, or null if another instance holds the entry (it stays in the store)
     */
    @Nullable PublishOutcome fire(ScheduledEntry entry) {
        entries.remove(entry.id(), entry);
        pending.decrementAndGet();
        return attempt(entry, false);
    }

    /**
     * Looks again at an entry left to another instance's claim, on the timer thread (see
     * {@link #fire}).
     *
     * @return the publish outcome, or null if it is not this bus's to fire (yet, or any more)
     */
    @Nullable PublishOutcome retry(ScheduledEntry entry) {
        return attempt(entry, true);
    }

    private @Nullable PublishOutcome attempt(ScheduledEntry entry, boolean retry) {
        if (inFlight.contains(entry.id())) {
            // a poll fired it here meanwhile (a handle left to another instance's claim is a second
            // handle of the same entry): it is being handled, and leaves the store when it has been
            LOG.log(Level.DEBUG, () -> "bus '" + bus.name() + "': " + entry + " is being handled here already");
            return null;
        }
        Instant now = bus.config().clock().instant();
        try {
            if (retry && store.find(entry.id()).isEmpty()) {
                LOG.log(Level.DEBUG, () -> "bus '" + bus.name() + "': " + entry + " was done by the instance that held it");
                return null; // completed (or cancelled) by its holder: stays STORED, no longer watched
            }
            if (!store.claim(entry.id(), bus.instanceId(), now, now.plus(CLAIM_LEASE))) {
                LOG.log(Level.DEBUG, () -> "bus '" + bus.name() + "' skipped " + entry + ": another instance holds it");
                if (!retry) {
                    stored.increment();
                }
                timer.schedule(new Watch(entry, now.plus(CLAIM_LEASE))); // refused once the bus is stopped
                return null;
            }
        } catch (Exception e) {
            storeFailed(retry ? "find or claim" : "claim", entry, e); // fired anyway: at least once
        }
        if (retry) {
            stored.decrement(); // no longer left to another instance: it fires here
        }
        fired.increment();
        inFlight.add(entry.id());
        renewing(now);
        PublishOutcome outcome = bus.publisher().due(bus.laneOf(entry.sessionId()), entry.event(), entry.headers(),
                entry.priority(), new Waiter(end -> settled(entry, end)));
        if (outcome instanceof PublishOutcome.Rejected refusal) {
            rejected.increment();
            LOG.log(Level.WARNING, () -> "bus '" + bus.name() + "' could not queue " + entry + ": " + refusal.detail());
            complete(entry); // counted and logged: the rejection is its end
            inFlight.remove(entry.id());
        }
        return outcome;
    }

    /**
     * The end of a fired entry's event, on the thread that settled it: completed in the store once
     * its handlers ran (or DROP_OLDEST evicted it, counted as dropped), so a crash between
     * acceptance and the handlers' end leaves it pending and the next bus fires it again (at least
     * once). Cut by close (cancelled, or handed back undelivered) it stays in the store for the next
     * bus, like an entry that never fell due.
     */
    private void settled(ScheduledEntry entry, Waiter.Status end) {
        try {
            switch (end) {
                case DELIVERED, DROPPED -> complete(entry);
                case CANCELLED, RETURNED, PENDING -> LOG.log(Level.DEBUG, () -> "bus '" + bus.name() + "': " + entry
                        + " ended " + end + " at close; it stays in store " + store + " for the next bus");
            }
        } finally {
            inFlight.remove(entry.id()); // after the store's completion: a poll never sees it done but not gone
        }
    }

    private void complete(ScheduledEntry entry) {
        try {
            store.complete(entry.id());
        } catch (Exception e) {
            storeFailed("complete", entry, e);
        }
    }

    /**
     * Renews this bus's claim on every entry it fired whose event has not ended, on the timer
     * thread: while its handlers run, no other instance sharing the store may take it. A renewal
     * the store refuses while the entry is still there means another instance took the claim after
     * it lapsed (this bus stalled for longer than the lease): counted in {@code leasesLost} and
     * logged at WARNING, since that instance may fire the entry again.
     */
    void renew() {
        Instant now = bus.config().clock().instant();
        for (MessageId id : inFlight) {
            try {
                if (!store.claim(id, bus.instanceId(), now, now.plus(CLAIM_LEASE)) && inFlight.contains(id)
                        && store.find(id).isPresent()) {
                    leasesLost.increment();
                    LOG.log(Level.WARNING, () -> "bus '" + bus.name() + "' lost its claim on scheduled event " + id
                            + " in store " + store + " while its handlers still run: another instance took it after"
                            + " the lease lapsed and may fire it again");
                }
            } catch (Exception e) {
                storeFailures.increment();
                LOG.log(Level.ERROR, "bus '" + bus.name() + "': renewing the claim on scheduled event " + id
                        + " in store " + store + " failed; trying again in " + RENEW_EVERY, e);
            }
        }
    }

    /** Makes sure a {@link Renew} task is scheduled, now that an entry is in flight. */
    private void renewing(Instant now) {
        if (renewScheduled.compareAndSet(false, true) && !timer.schedule(new Renew(now.plus(RENEW_EVERY)))) {
            renewScheduled.set(false); // the timer stopped: the bus is closing
        }
    }

    /**
     * The timer task of {@link #renew}, every {@link #RENEW_EVERY} from when it last ran, while any
     * entry is in flight; the next entry fired schedules it again.
     */
    private final class Renew extends Timer.Task {
        Renew(Instant due) {
            super(due);
        }

        @Override
        void run() {
            Instant started = bus.config().clock().instant();
            renew();
            if (!inFlight.isEmpty()) {
                if (!timer.schedule(new Renew(started.plus(RENEW_EVERY)))) {
                    renewScheduled.set(false);
                }
                return;
            }
            renewScheduled.set(false);
            if (!inFlight.isEmpty()) {
                renewing(started); // fired meanwhile, after the look above and before the flag fell
            }
        }
    }

    /** A timer task that looks again, after a lease, at an entry another instance held. */
    private static final class Watch extends Timer.Task {
        private final ScheduledEntry entry;

        Watch(ScheduledEntry entry, Instant due) {
            super(due);
            this.entry = entry;
        }

        @Override
        void run() {
            entry.retry();
        }
    }

    void cancelled(ScheduledEntry entry) {
        timer.remove(entry);
        entries.remove(entry.id(), entry);
        pending.decrementAndGet();
        cancelled.increment();
        try {
            store.cancel(entry.id());
        } catch (Exception e) {
            storeFailed("cancel", entry, e);
        }
    }

    private void storeFailed(String call, ScheduledEntry entry, Exception e) {
        storeFailures.increment();
        LOG.log(Level.ERROR, "bus '" + bus.name() + "': " + call + " of " + entry + " in store " + store + " failed", e);
    }

    /** Loads every pending entry of the store (in due order) and starts the timer. */
    void start(BusThreads threads) {
        List<StoredScheduledEvent> restored;
        try {
            restored = new ArrayList<>(store.pending());
        } catch (Exception e) {
            storeFailures.increment();
            LOG.log(Level.ERROR, "bus '" + bus.name() + "' could not load its pending scheduled events from " + store
                    + "; they stay in the store (counted in stats().scheduled().storeFailures())", e);
            restored = new ArrayList<>();
        }
        restored.sort(Comparator.comparing(StoredScheduledEvent::dueAt));
        int count = 0;
        for (StoredScheduledEvent record : restored) {
            if (!entries.containsKey(record.id())) { // scheduled on this bus before start: already tracked
                track(record);
                count++;
            }
        }
        if (count > 0) {
            int n = count;
            LOG.log(Level.DEBUG, () -> "bus '" + bus.name() + "' restored " + n + " scheduled events");
        }
        timer.start(threads);
        bus.config().scheduledStorePollInterval().ifPresent(
                interval -> timer.schedule(new Poll(bus.config().clock().instant().plus(interval), interval)));
    }

    /**
     * Claims the store's due entries that no instance holds and fires them here, on the timer
     * thread (so never at the same time as this bus's own firing of an entry): entries scheduled by
     * other instances after this bus started, and those of an instance that died. An entry this bus
     * tracks already fires through its own handle; the rest fire as new entries. Batch after batch
     * while batches come back full.
     */
    void poll() {
        Instant now = bus.config().clock().instant();
        List<StoredScheduledEvent> claimed;
        do {
            try {
                claimed = store.claimDue(bus.instanceId(), now, now.plus(CLAIM_LEASE), POLL_BATCH);
            } catch (Exception e) {
                storeFailures.increment();
                LOG.log(Level.ERROR, "bus '" + bus.name() + "': polling store " + store + " for due scheduled events "
                        + "failed; trying again at the next poll", e);
                return;
            }
            for (StoredScheduledEvent record : claimed) {
                if (inFlight.contains(record.id())) {
                    continue; // fired here and not ended yet: the claim just taken renews this bus's own
                }
                ScheduledEntry local = entries.get(record.id());
                if (local == null) {
                    local = new ScheduledEntry(this, record);
                    if (entries.putIfAbsent(record.id(), local) != null) {
                        continue; // cannot happen on the timer thread; never fire twice
                    }
                    pending.incrementAndGet();
                    local.run();
                } else if (local.isPending()) {
                    timer.remove(local);
                    local.run();
                } else {
                    local.retry(); // left to a claim that lapsed
                }
            }
        } while (claimed.size() == POLL_BATCH);
    }

    /** The repeating timer task of {@link #poll}. */
    private final class Poll extends Timer.Task {
        private final Duration interval;

        Poll(Instant due, Duration interval) {
            super(due);
            this.interval = interval;
        }

        /**
         * Polls, then schedules the next poll an interval after this one was due, or after this one
         * started if that is past already; never from the clock at the end, which may have moved on
         * meanwhile (a poll that started at 90 s and ended after a jump to 150 s polls next at 120 s,
         * not at 180 s).
         */
        @Override
        void run() {
            Instant started = bus.config().clock().instant();
            try {
                poll();
            } finally {
                Instant next = due.plus(interval);
                timer.schedule(new Poll(next.isAfter(started) ? next : started.plus(interval), interval)); // refused once stopped
            }
        }
    }

    /** Stops the timer (waiting up to {@code grace} for a due event being published); returns how many stay in the store. */
    int stop(Duration grace) {
        int count = 0;
        for (Timer.Task task : timer.stop(grace)) {
            if (task instanceof ContextWork.Sleep sleep) {
                sleep.cancel(); // a handler sleeping on the bus's clock wakes now, interrupted
            } else if (task instanceof ScheduledEntry entry && entry.markStored()) {
                entries.remove(entry.id(), entry);
                pending.decrementAndGet();
                count++;
                String sessionId = entry.sessionId();
                if (sessionId != null) {
                    storedAtStop.merge(sessionId, 1, Integer::sum);
                }
            }
        }
        stored.add(count);
        return count;
    }

    /** How many entries of a session {@link #stop} left in the store (0 before the bus closes). */
    int storedAtStop(String sessionId) {
        return storedAtStop.getOrDefault(sessionId, 0);
    }

    /** The pending entry with this id. */
    Optional<ScheduledEvent> find(MessageId id) {
        ScheduledEntry entry = entries.get(id);
        return entry != null && entry.isPending() ? Optional.of(entry) : Optional.empty();
    }

    /** The pending entries of a session (or every pending entry if {@code all}), in due order. */
    List<ScheduledEvent> list(@Nullable String sessionId, boolean all) {
        var found = new ArrayList<ScheduledEntry>();
        for (ScheduledEntry entry : entries.values()) {
            if (entry.isPending() && (all || java.util.Objects.equals(sessionId, entry.sessionId()))) {
                found.add(entry);
            }
        }
        found.sort(Comparator.comparing(ScheduledEntry::dueAt).thenComparing(ScheduledEntry::id));
        return List.copyOf(found);
    }

    /** Cancels every pending entry of a session; returns how many. */
    int cancelSession(String sessionId) {
        int count = 0;
        for (ScheduledEvent entry : list(sessionId, false)) {
            if (entry.cancel()) {
                count++;
            }
        }
        return count;
    }

    Timer timer() {
        return timer;
    }

    int pending() {
        return pending.get();
    }

    long fired() {
        return fired.sum();
    }

    long rejected() {
        return rejected.sum();
    }

    long cancelledCount() {
        return cancelled.sum();
    }

    long stored() {
        return stored.sum();
    }

    long storeFailures() {
        return storeFailures.sum();
    }

    long leasesLost() {
        return leasesLost.sum();
    }
}
