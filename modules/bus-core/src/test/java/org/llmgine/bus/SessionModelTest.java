package org.llmgine.bus;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.booleans;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.lists;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Collectors;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.llmgine.bus.message.Event;
import org.llmgine.bus.message.MessageId;
import org.llmgine.bus.spi.InMemoryScheduledEventStore;
import org.llmgine.bus.spi.StoredScheduledEvent;

/**
 * A stateful model check of sessions and scheduled events: random sequences of open, get-or-open,
 * close (and so reopen), schedule in a session or in the bus scope at a due time, cancel a handle,
 * and advance the clock, over a few session ids, under both {@link ScheduledOnSessionClose}
 * policies, run against the bus and against a plain model. After every step the bus is quiesced
 * (with deadlines) and must agree with the model: which ids are open, the pending entries (bus,
 * per session, per id, in the store), each handle's state, the statistics, the close reports, and
 * which handlers saw which fired event: a fired event of an id reaches that id's session handlers
 * only if a session was open under it when it fired, and the bus-scope handlers always.
 */
final class SessionModelTest {

    private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
    private static final Duration WAIT = Duration.ofSeconds(5);
    private static final List<String> IDS = List.of("a", "b", "c");

    /** The scheduled event; its tag is unique in a run. */
    record Ping(int tag) implements Event {}

    /** A scheduled entry in the model. */
    static final class Entry {
        final int tag;
        final @Nullable String sessionId;
        final Instant due;
        final ScheduledEvent handle;
        ScheduledEvent.State state = ScheduledEvent.State.PENDING;

        Entry(int tag, @Nullable String sessionId, Instant due, ScheduledEvent handle) {
            this.tag = tag;
            this.sessionId = sessionId;
            this.due = due;
            this.handle = handle;
        }

        @Override
        public String toString() {
            return "#" + tag + "@" + sessionId + " due " + due + " " + state;
        }
    }

    @Test
    void busAgreesWithTheModel_underRandomSessionAndScheduleOperations() {
        qt().withFixedSeed(20260101L).withExamples(100).withShrinkCycles(30)
                .forAll(lists().of(integers().between(0, 9_999)).ofSizeBetween(1, 20), booleans().all())
                .checkAssert(SessionModelTest::replay);
    }

    /** One run: the model, the bus, and the records of what the handlers saw. */
    private static final class Run {
        final ManualClock clock = new ManualClock(T0);
        final InMemoryScheduledEventStore store = new InMemoryScheduledEventStore();
        final boolean cancelOnClose;
        final MessageBus bus;
        /** What the bus-scope handler saw: "tag@sessionId". */
        final ConcurrentLinkedQueue<String> busSeen = new ConcurrentLinkedQueue<>();
        /** What session handlers saw: "instance:tag". */
        final ConcurrentLinkedQueue<String> sessionSeen = new ConcurrentLinkedQueue<>();
        final List<String> expectedBus = new ArrayList<>();
        final List<String> expectedSession = new ArrayList<>();
        /** Every session instance ever opened, by instance number. */
        final List<Session> instances = new ArrayList<>();
        /** The model: the instance open under each id. */
        final Map<String, Integer> open = new HashMap<>();
        /** The last instance of each id, open or closed. */
        final Map<String, Integer> latest = new HashMap<>();
        final Map<Integer, SessionCloseReport> reports = new HashMap<>();
        final List<Entry> entries = new ArrayList<>();
        Instant now = T0;
        int closes;
        final List<String> trace = new ArrayList<>();

        Run(boolean cancelOnClose) {
            this.cancelOnClose = cancelOnClose;
            this.bus = MessageBus.builder().name("session-model").clock(clock).scheduledEventStore(store)
                    .scheduledOnSessionClose(cancelOnClose ? ScheduledOnSessionClose.CANCEL : ScheduledOnSessionClose.KEEP)
                    .start();
            bus.registerEventHandler(Ping.class, (p, ctx) -> busSeen.add(p.tag() + "@" + ctx.sessionId()));
        }

        String where() {
            return "after " + trace + " (" + (cancelOnClose ? "CANCEL" : "KEEP") + ")";
        }

        Session newInstance(Session session) {
            int instance = instances.size();
            instances.add(session);
            session.registerEventHandler(Ping.class, (p, ctx) -> sessionSeen.add(instance + ":" + p.tag()));
            open.put(session.id(), instance);
            latest.put(session.id(), instance);
            return session;
        }

        /** Model: every pending entry due by now fires, into the session open under its id now. */
        void fireDue() {
            for (Entry entry : entries) {
                if (entry.state == ScheduledEvent.State.PENDING && !entry.due.isAfter(now)) {
                    entry.state = ScheduledEvent.State.FIRED;
                    expectedBus.add(entry.tag + "@" + entry.sessionId);
                    Integer instance = entry.sessionId == null ? null : open.get(entry.sessionId);
                    if (instance != null) {
                        expectedSession.add(instance + ":" + entry.tag);
                    }
                }
            }
        }

        List<Entry> pending() {
            return entries.stream().filter(e -> e.state == ScheduledEvent.State.PENDING).toList();
        }

        long count(ScheduledEvent.State state) {
            return entries.stream().filter(e -> e.state == state).count();
        }
    }

    private static void replay(List<Integer> ops, boolean cancelOnClose) {
        var run = new Run(cancelOnClose);
        try {
            for (int op : ops) {
                step(run, op);
                quiesce(run);
                check(run);
            }
            CloseReport report = run.bus.close(WAIT);
            int stored = run.pending().size();
            assertEquals(stored, report.scheduledStored(), run.where());
            for (Entry entry : run.pending()) {
                assertEquals(ScheduledEvent.State.STORED, entry.handle.state(), entry + " " + run.where());
                entry.state = ScheduledEvent.State.STORED;
            }
            BusStats.Scheduled stats = run.bus.stats().scheduled();
            assertEquals(0, stats.pending(), run.where());
            assertEquals(stored, stats.stored(), run.where());
            assertEquals(run.count(ScheduledEvent.State.FIRED), stats.fired(), run.where());
            assertEquals(run.count(ScheduledEvent.State.CANCELLED), stats.cancelled(), run.where());
            assertEquals(run.entries.stream().filter(e -> e.state == ScheduledEvent.State.STORED).map(e -> e.handle.id())
                    .collect(Collectors.toSet()), storedIds(run.store), "left in the store at close " + run.where());
            assertEquals(List.of(), run.bus.sessionIds());
        } finally {
            run.bus.close(WAIT);
        }
    }

    private static void step(Run run, int op) {
        int kind = op % 7;
        String id = IDS.get((op / 7) % IDS.size());
        int arg = op / 21;
        MessageBus bus = run.bus;
        switch (kind) {
            case 0 -> { // open
                run.trace.add("open " + id);
                if (run.open.containsKey(id)) {
                    assertThrows(IllegalStateException.class, () -> bus.openSession(id), run.where());
                } else {
                    run.newInstance(bus.openSession(id));
                }
            }
            case 1 -> { // getOrOpen
                run.trace.add("getOrOpen " + id);
                Integer instance = run.open.get(id);
                Session got = bus.getOrOpenSession(id);
                if (instance != null) {
                    assertSame(run.instances.get(instance), got, "getOrOpen of an open id " + run.where());
                } else {
                    Integer previous = run.latest.get(id);
                    if (previous != null) {
                        assertNotSame(run.instances.get(previous), got, run.where());
                    }
                    run.newInstance(got);
                }
            }
            case 2 -> { // close (a second close of a closed instance returns its report)
                run.trace.add("close " + id);
                Integer instance = run.open.remove(id);
                if (instance != null) {
                    long pendingOfId = run.pending().stream().filter(e -> id.equals(e.sessionId)).count();
                    SessionCloseReport report = run.instances.get(instance).close(WAIT);
                    assertTrue(report.drained(), report + " " + run.where());
                    assertEquals(id, report.sessionId());
                    assertEquals(run.cancelOnClose ? pendingOfId : 0, report.scheduledCancelled(), report + " " + run.where());
                    assertEquals(run.cancelOnClose ? 0 : pendingOfId, report.scheduledKept(), report + " " + run.where());
                    if (run.cancelOnClose) {
                        for (Entry entry : run.pending()) {
                            if (id.equals(entry.sessionId)) {
                                entry.state = ScheduledEvent.State.CANCELLED;
                            }
                        }
                    }
                    run.reports.put(instance, report);
                    run.closes++;
                } else if (run.latest.containsKey(id)) {
                    int last = run.latest.get(id);
                    assertSame(run.reports.get(last), run.instances.get(last).close(WAIT), "a later close " + run.where());
                }
            }
            case 3, 4 -> { // schedule in the session open under the id (or try a closed one), or in the bus scope
                Instant due = run.now.plus(Duration.ofMinutes(arg % 4));
                int tag = run.entries.size();
                Integer instance = run.open.get(id);
                if (kind == 4) {
                    run.trace.add("schedule #" + tag + " in bus +" + (arg % 4) + "m");
                    run.entries.add(new Entry(tag, null, due, bus.schedule(new Ping(tag), due)));
                } else if (instance != null) {
                    run.trace.add("schedule #" + tag + " in " + id + " +" + (arg % 4) + "m");
                    ScheduledEvent handle = run.instances.get(instance).schedule(new Ping(tag), due);
                    assertEquals(id, handle.sessionId());
                    run.entries.add(new Entry(tag, id, due, handle));
                } else if (run.latest.containsKey(id)) {
                    run.trace.add("schedule in closed " + id);
                    Session closed = run.instances.get(run.latest.get(id));
                    assertThrows(SessionClosedException.class, () -> closed.schedule(new Ping(-1), due), run.where());
                    return;
                } else {
                    return;
                }
                run.fireDue(); // due now: fires at once
            }
            case 5 -> { // cancel a handle
                if (run.entries.isEmpty()) {
                    return;
                }
                Entry entry = run.entries.get(arg % run.entries.size());
                run.trace.add("cancel #" + entry.tag);
                boolean expected = entry.state == ScheduledEvent.State.PENDING;
                assertEquals(expected, entry.handle.cancel(), entry + " " + run.where());
                if (expected) {
                    entry.state = ScheduledEvent.State.CANCELLED;
                }
            }
            default -> { // advance the clock
                Duration by = Duration.ofSeconds(30L * (1 + arg % 6));
                run.trace.add("advance " + by);
                run.now = run.now.plus(by);
                run.clock.advance(by);
                run.fireDue();
            }
        }
    }

    /** Waits (with deadlines) until every entry the model fired has fired on the bus and all its events are handled. */
    private static void quiesce(Run run) {
        long deadline = System.nanoTime() + WAIT.toNanos();
        for (Entry entry : run.entries) {
            if (entry.state == ScheduledEvent.State.FIRED) {
                while (entry.handle.state() != ScheduledEvent.State.FIRED) {
                    if (System.nanoTime() > deadline) {
                        throw new AssertionError(entry + " did not fire on the bus (" + entry.handle + ") " + run.where());
                    }
                    LockSupport.parkNanos(TimeUnit.MICROSECONDS.toNanos(20));
                }
            }
        }
        try {
            assertTrue(run.bus.awaitIdle(WAIT), "bus not idle " + run.where());
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
    }

    private static void check(Run run) {
        MessageBus bus = run.bus;
        String where = run.where();
        assertEquals(new TreeSet<>(run.open.keySet()), new TreeSet<>(bus.sessionIds()), "sessionIds " + where);
        for (String id : IDS) {
            Integer instance = run.open.get(id);
            if (instance == null) {
                assertTrue(bus.session(id).isEmpty(), "session(" + id + ") " + where);
            } else {
                assertSame(run.instances.get(instance), bus.session(id).orElseThrow(), "session(" + id + ") " + where);
            }
            List<MessageId> pendingOfId = run.pending().stream().filter(e -> id.equals(e.sessionId))
                    .sorted(SessionModelTest::byDue).map(e -> e.handle.id()).toList();
            assertEquals(pendingOfId, ids(bus.scheduledEvents(id)), "scheduledEvents(" + id + ") " + where);
            if (instance != null) {
                assertEquals(pendingOfId, ids(run.instances.get(instance).scheduledEvents()),
                        "session " + id + ".scheduledEvents() " + where);
            }
        }
        List<MessageId> pending = run.pending().stream().sorted(SessionModelTest::byDue).map(e -> e.handle.id()).toList();
        assertEquals(pending, ids(bus.scheduledEvents()), "bus.scheduledEvents() in due order " + where);
        assertEquals(Set.copyOf(pending), storedIds(run.store), "the store holds exactly the pending entries " + where);
        for (Entry entry : run.entries) {
            assertEquals(entry.state, entry.handle.state(), entry + " " + where);
            assertEquals(entry.state == ScheduledEvent.State.PENDING, bus.scheduledEvent(entry.handle.id()).isPresent(),
                    "scheduledEvent(" + entry + ") " + where);
            if (entry.state == ScheduledEvent.State.FIRED) {
                assertInstanceOf(PublishOutcome.Accepted.class, entry.handle.outcome().orElseThrow(), entry + " " + where);
            }
        }

        BusStats stats = bus.stats();
        assertEquals(run.pending().size(), stats.scheduled().pending(), "pending " + where);
        assertEquals(run.count(ScheduledEvent.State.FIRED), stats.scheduled().fired(), "fired " + where);
        assertEquals(run.count(ScheduledEvent.State.CANCELLED), stats.scheduled().cancelled(), "cancelled " + where);
        assertEquals(0, stats.scheduled().rejected(), where);
        assertEquals(0, stats.scheduled().stored(), where);
        assertEquals(0, stats.scheduled().storeFailures(), where);
        assertEquals(run.open.size(), stats.sessions().active(), "active " + where);
        assertEquals(run.instances.size(), stats.sessions().opened(), "opened " + where);
        assertEquals(run.closes, stats.sessions().closed(), "closed " + where);

        assertEquals(counts(run.expectedBus), counts(run.busSeen), "bus-scope handler " + where);
        assertEquals(counts(run.expectedSession), counts(run.sessionSeen), "session handlers " + where);
    }

    private static int byDue(Entry x, Entry y) {
        int byDue = x.due.compareTo(y.due);
        return byDue != 0 ? byDue : x.handle.id().compareTo(y.handle.id());
    }

    private static List<MessageId> ids(List<ScheduledEvent> handles) {
        return handles.stream().map(ScheduledEvent::id).toList();
    }

    private static Set<MessageId> storedIds(InMemoryScheduledEventStore store) {
        return store.pending().stream().map(StoredScheduledEvent::id).collect(Collectors.toSet());
    }

    /** A multiset: how often each record occurs (a duplicate delivery shows as a count of 2). */
    private static Map<String, Integer> counts(Iterable<String> records) {
        Map<String, Integer> counts = new TreeMap<>();
        for (String record : records) {
            counts.merge(Objects.requireNonNull(record), 1, Integer::sum);
        }
        return counts;
    }
}
