package org.llmgine.bus.internal;

import java.lang.System.Logger.Level;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import org.jspecify.annotations.Nullable;
import org.llmgine.bus.PublishOptions;
import org.llmgine.bus.PublishOutcome;
import org.llmgine.bus.ScheduledEvent;
import org.llmgine.bus.message.Event;
import org.llmgine.bus.spi.ScheduledEventStore;
import org.llmgine.bus.spi.StoredScheduledEvent;

/**
 * Scheduled events of one bus: scheduling on the {@link Timer}, publishing them when due through
 * the normal publish path, and handing the pending ones to the {@link ScheduledEventStore} at close
 * (and taking them back at start).
 *
 * <p>A due event is published in its session's lane, whether or not the session is still open (a
 * closed session's handlers are gone, so only bus-scope handlers see it). An event restored from the
 * store for a session that is not open goes to a detached lane for that session id, one per id, so
 * restored events of one session keep their order.
 */
final class Schedules {

    private static final System.Logger LOG = System.getLogger("org.llmgine.bus");

    /** What close did with the pending scheduled events. */
    record Saved(int count, List<StoredScheduledEvent> notSaved) {
    }

    private final DefaultMessageBus bus;
    private final Timer timer;
    private final ScheduledEventStore store;
    private final AtomicInteger pending = new AtomicInteger();
    private final LongAdder fired = new LongAdder();
    private final LongAdder rejected = new LongAdder();
    private final LongAdder cancelled = new LongAdder();
    private final LongAdder saved = new LongAdder();
    private final ConcurrentHashMap<String, Lane> detached = new ConcurrentHashMap<>();

    Schedules(DefaultMessageBus bus, Timer timer, ScheduledEventStore store) {
        this.bus = bus;
        this.timer = timer;
        this.store = store;
    }

    /**
     * Schedules an event. Once the timer has stopped (the bus is closing: a handler still draining
     * scheduled it, or a start raced a close), the entry goes straight to the store instead.
     */
    ScheduledEvent schedule(Lane lane, Event event, Instant due, PublishOptions options) {
        var entry = new ScheduledEntry(this, event, lane, due, options.headers(), options.priority());
        pending.incrementAndGet();
        if (!timer.schedule(entry)) {
            StoredScheduledEvent stored = entry.save();
            if (stored != null) {
                pending.decrementAndGet();
                saveLate(stored);
            }
        }
        return entry;
    }

    private void saveLate(StoredScheduledEvent stored) {
        try {
            store.save(List.of(stored));
            saved.increment();
        } catch (Exception e) {
            LOG.log(Level.ERROR, "bus '" + bus.name() + "' is closing and could not save " + stored + " to " + store, e);
        }
    }

    /** Publishes a due entry through the normal path; it never waits for room. */
    PublishOutcome publishDue(ScheduledEntry entry) {
        pending.decrementAndGet();
        fired.increment();
        PublishOutcome outcome = bus.publisher().due(entry.lane, entry.event(), entry.headers(), entry.priority());
        if (outcome instanceof PublishOutcome.Rejected refusal) {
            rejected.increment();
            LOG.log(Level.WARNING, () -> "bus '" + bus.name() + "' could not queue " + entry + ": " + refusal.detail());
        }
        return outcome;
    }

    void cancelled(ScheduledEntry entry) {
        timer.remove(entry);
        pending.decrementAndGet();
        cancelled.increment();
    }

    /** Takes the stored events back (in due order) and starts the timer. */
    void start(BusThreads threads) {
        List<StoredScheduledEvent> restored;
        try {
            restored = new ArrayList<>(store.takeAll());
        } catch (Exception e) {
            LOG.log(Level.ERROR, "bus '" + bus.name() + "' could not read its scheduled events back from " + store, e);
            restored = new ArrayList<>();
        }
        restored.sort(Comparator.comparing(StoredScheduledEvent::dueAt));
        for (StoredScheduledEvent stored : restored) {
            schedule(laneFor(stored.sessionId()), stored.event(), stored.dueAt(),
                    new PublishOptions(stored.headers(), stored.priority()));
        }
        if (!restored.isEmpty()) {
            LOG.log(Level.DEBUG, "bus '" + bus.name() + "' restored " + restored.size() + " scheduled events");
        }
        timer.start(threads);
    }

    private Lane laneFor(@Nullable String sessionId) {
        if (sessionId == null) {
            return bus.lane();
        }
        SessionImpl open = bus.openSessionNamed(sessionId);
        return open != null ? open.lane() : detached.computeIfAbsent(sessionId, id -> Lane.detached(bus, id));
    }

    /** Stops the timer (waiting up to {@code grace} for a due event being published) and hands every pending event to the store, in due order. */
    Saved stop(java.time.Duration grace) {
        var toSave = new ArrayList<StoredScheduledEvent>();
        for (Timer.Task task : timer.stop(grace)) {
            if (task instanceof ScheduledEntry entry) {
                StoredScheduledEvent stored = entry.save();
                if (stored != null) {
                    pending.decrementAndGet();
                    toSave.add(stored);
                }
            }
        }
        if (toSave.isEmpty()) {
            return new Saved(0, List.of());
        }
        try {
            store.save(List.copyOf(toSave));
            saved.add(toSave.size());
            return new Saved(toSave.size(), List.of());
        } catch (Exception e) {
            LOG.log(Level.ERROR, "bus '" + bus.name() + "' could not save " + toSave.size()
                    + " pending scheduled events to " + store + "; they are listed in the close report", e);
            return new Saved(0, List.copyOf(toSave));
        }
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

    long saved() {
        return saved.sum();
    }
}
