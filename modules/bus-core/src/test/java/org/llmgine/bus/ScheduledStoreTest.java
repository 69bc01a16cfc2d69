package org.llmgine.bus;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.RecordComponent;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.llmgine.bus.message.Event;
import org.llmgine.bus.message.MessageId;
import org.llmgine.bus.spi.InMemoryScheduledEventStore;
import org.llmgine.bus.spi.StoredScheduledEvent;

/**
 * Scheduled events written through their store: reopened sessions, restarts after a close and
 * after a crash, lookups by id and by session, cancellation by session and by the session's close,
 * claims held by another instance, and the state names against the statistics. Time moves only by
 * advancing a {@link ManualClock}.
 */
final class ScheduledStoreTest {

    private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
    private static final Duration WAIT = Duration.ofSeconds(5);

    record Reminder(String text) implements Event {}

    /** What a handler saw: which handler, the reminder's text and the session id on its context. */
    record Seen(String by, String text, @Nullable String sessionId) {}

    private static void awaitUntil(String what, BooleanSupplier condition) {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not within " + WAIT + ": " + what);
            }
            LockSupport.parkNanos(TimeUnit.MICROSECONDS.toNanos(50));
        }
    }

    private static void awaitState(ScheduledEvent handle, ScheduledEvent.State state) {
        awaitUntil(handle + " to be " + state, () -> handle.state() == state);
    }

    private static void awaitIdle(MessageBus bus) throws InterruptedException {
        assertTrue(bus.awaitIdle(WAIT), "bus " + bus.name() + " not idle within " + WAIT);
    }

    private static List<MessageId> ids(List<ScheduledEvent> handles) {
        return handles.stream().map(ScheduledEvent::id).toList();
    }

    private static Set<MessageId> storedIds(InMemoryScheduledEventStore store) {
        return store.pending().stream().map(StoredScheduledEvent::id).collect(Collectors.toSet());
    }

    private static Set<String> sorted(List<Seen> seen) {
        return seen.stream().map(Seen::toString).collect(Collectors.toCollection(TreeSet::new));
    }

    /** Registers a bus-scope handler recording every reminder as seen by "bus". */
    private static void recordOnBus(MessageBus bus, List<Seen> seen) {
        bus.registerEventHandler(Reminder.class, (r, ctx) -> seen.add(new Seen("bus", r.text(), ctx.sessionId())));
    }

    private static void recordOnSession(Session session, String by, List<Seen> seen) {
        session.registerEventHandler(Reminder.class, (r, ctx) -> seen.add(new Seen(by, r.text(), ctx.sessionId())));
    }

    @Test
    void aSessionsScheduledEvent_reachesTheSessionReopenedUnderTheSameId_byDefault() throws Exception {
        var clock = new ManualClock(T0);
        List<Seen> seen = new CopyOnWriteArrayList<>();
        try (var bus = MessageBus.builder().name("reopen").clock(clock).start()) {
            assertEquals(ScheduledOnSessionClose.KEEP, bus.config().scheduledOnSessionClose());
            recordOnBus(bus, seen);
            Session first = bus.openSession("chat");
            recordOnSession(first, "first", seen);
            ScheduledEvent handle = first.schedule(new Reminder("follow up"), Duration.ofMinutes(5));
            assertEquals("chat", handle.sessionId());

            SessionCloseReport report = first.close(WAIT);

            assertEquals(1, report.scheduledKept(), report.toString());
            assertEquals(0, report.scheduledCancelled(), report.toString());
            assertEquals(ScheduledEvent.State.PENDING, handle.state());
            assertEquals(List.of(handle.id()), ids(bus.scheduledEvents("chat")), "kept while no session is open");
            assertEquals(handle.id(), bus.scheduledEvent(handle.id()).orElseThrow().id());

            try (Session second = bus.openSession("chat")) {
                recordOnSession(second, "second", seen);
                assertEquals(List.of(handle.id()), ids(second.scheduledEvents()), "the new session lists it");
                clock.advance(Duration.ofMinutes(5));
                awaitState(handle, ScheduledEvent.State.FIRED);
                awaitIdle(bus);

                assertEquals(sorted(List.of(new Seen("bus", "follow up", "chat"), new Seen("second", "follow up", "chat"))),
                        sorted(seen), "the reopened session's handlers (not the closed one's) see it");
                assertInstanceOf(PublishOutcome.Accepted.class, handle.outcome().orElseThrow());
                assertEquals(List.of(), second.scheduledEvents());
                assertEquals(1, bus.stats().scheduled().fired());
            }
        }
    }

    @Test
    void afterARestartOnTheSameStore_aReopenedSessionGetsItsEvent_andLookupsUseTheFirstBussIds() throws Exception {
        var clock = new ManualClock(T0);
        var store = new InMemoryScheduledEventStore();
        MessageId sessionEvent;
        MessageId busEvent;
        try (var first = MessageBus.builder().name("before-restart").clock(clock).scheduledEventStore(store).start()) {
            Session session = first.openSession("chat");
            ScheduledEvent inSession = session.schedule(new Reminder("a"), T0.plus(Duration.ofMinutes(10)),
                    PublishOptions.defaults().withHeader("trace", "t-1"));
            ScheduledEvent inBus = first.schedule(new Reminder("b"), T0.plus(Duration.ofMinutes(20)));
            sessionEvent = inSession.id();
            busEvent = inBus.id();
            assertEquals(first.instanceId(), sessionEvent.origin());
            assertEquals(Set.of(sessionEvent, busEvent), storedIds(store), "written through when scheduled");
            session.close();

            CloseReport report = first.close(WAIT);

            assertTrue(report.clean(), report.toString());
            assertEquals(2, report.scheduledStored());
            assertEquals(ScheduledEvent.State.STORED, inSession.state());
            assertEquals(ScheduledEvent.State.STORED, inBus.state());
            assertFalse(inSession.cancel(), "a stored entry belongs to the next bus");
            assertEquals(2, first.stats().scheduled().stored());
            assertEquals(0, first.stats().scheduled().pending());
        }
        assertEquals(Set.of(sessionEvent, busEvent), storedIds(store), "close leaves them in the store");

        List<Seen> seen = new CopyOnWriteArrayList<>();
        List<String> traces = new CopyOnWriteArrayList<>();
        try (var second = MessageBus.builder().name("after-restart").clock(clock).scheduledEventStore(store).build()) {
            recordOnBus(second, seen);
            assertEquals(List.of(), second.scheduledEvents(), "restored at start, not before");
            second.start();

            ScheduledEvent restored = second.scheduledEvent(sessionEvent).orElseThrow();
            assertEquals(sessionEvent, restored.id());
            assertEquals(new Reminder("a"), restored.event());
            assertEquals(T0.plus(Duration.ofMinutes(10)), restored.dueAt());
            assertEquals("chat", restored.sessionId());
            assertEquals(ScheduledEvent.State.PENDING, restored.state());
            assertNull(second.scheduledEvent(busEvent).orElseThrow().sessionId());
            assertEquals(List.of(sessionEvent), ids(second.scheduledEvents("chat")));
            assertEquals(List.of(sessionEvent, busEvent), ids(second.scheduledEvents()), "in due order");
            assertEquals(2, second.stats().scheduled().pending());

            try (Session reopened = second.openSession("chat")) {
                reopened.registerEventHandler(Reminder.class, (r, ctx) -> {
                    seen.add(new Seen("reopened", r.text(), ctx.sessionId()));
                    traces.add(ctx.headers().get("trace").orElse("-"));
                });
                assertEquals(List.of(sessionEvent), ids(reopened.scheduledEvents()));

                clock.advance(Duration.ofMinutes(15));
                awaitState(restored, ScheduledEvent.State.FIRED);
                awaitIdle(second);

                assertEquals(sorted(List.of(new Seen("bus", "a", "chat"), new Seen("reopened", "a", "chat"))), sorted(seen));
                assertEquals(List.of("t-1"), traces, "headers survive the store");
                assertEquals(Set.of(busEvent), storedIds(store), "completed in the store when it fired");
                assertEquals(ScheduledEvent.State.PENDING, second.scheduledEvent(busEvent).orElseThrow().state());
            }
        }
    }

    @Test
    void aCrashedBussPendingEvents_areAllRestoredAndFiredByANewBusOnTheSameStore() throws Exception {
        var store = new InMemoryScheduledEventStore();
        // The crashed bus's clock never moves, so it can never fire what the new bus restores.
        var frozen = new ManualClock(T0);
        MessageBus crashed = MessageBus.builder().name("crashed").clock(frozen).scheduledEventStore(store).start();
        try {
            List<MessageId> scheduled = new ArrayList<>();
            Session session = crashed.openSession("chat");
            scheduled.add(session.schedule(new Reminder("one"), T0.plus(Duration.ofMinutes(1))).id());
            scheduled.add(session.schedule(new Reminder("two"), T0.plus(Duration.ofMinutes(2))).id());
            scheduled.add(crashed.schedule(new Reminder("three"), T0.plus(Duration.ofMinutes(3))).id());
            Session other = crashed.openSession("other");
            scheduled.add(other.schedule(new Reminder("four"), T0.plus(Duration.ofMinutes(4))).id());
            // the crash: no session close, no bus close; the crashed bus is not used again below.

            var clock = new ManualClock(T0);
            List<Seen> seen = new CopyOnWriteArrayList<>();
            try (var successor = MessageBus.builder().name("successor").clock(clock).scheduledEventStore(store).build()) {
                recordOnBus(successor, seen);
                successor.start();

                assertEquals(scheduled, ids(successor.scheduledEvents()), "every pending entry restored, in due order");
                assertEquals(4, successor.stats().scheduled().pending());
                List<ScheduledEvent> handles = scheduled.stream().map(id -> successor.scheduledEvent(id).orElseThrow())
                        .toList();
                try (Session chat = successor.openSession("chat")) {
                    recordOnSession(chat, "chat", seen);

                    clock.advance(Duration.ofMinutes(5));
                    handles.forEach(h -> awaitState(h, ScheduledEvent.State.FIRED));
                    awaitIdle(successor);
                }

                assertEquals(sorted(List.of(new Seen("bus", "one", "chat"), new Seen("chat", "one", "chat"),
                        new Seen("bus", "two", "chat"), new Seen("chat", "two", "chat"), new Seen("bus", "three", null),
                        new Seen("bus", "four", "other"))), sorted(seen),
                        "session events reach the session open under their id, others only bus handlers");
                assertEquals(4, successor.stats().scheduled().fired());
                assertEquals(Set.of(), storedIds(store));
            }
            assertEquals(0, crashed.stats().scheduled().fired(), "the crashed bus fired nothing");
        } finally {
            crashed.close(WAIT); // only to free its threads, after the successor fired everything
        }
        assertEquals(Set.of(), storedIds(store), "closing the crashed bus late puts nothing back");
    }

    @Test
    void twoBusesSharingAStoreAndAClock_fireEachEntryOnce() throws Exception {
        var clock = new ManualClock(T0);
        var store = new InMemoryScheduledEventStore();
        List<Seen> seen = new CopyOnWriteArrayList<>();
        try (var a = MessageBus.builder().name("a").clock(clock).scheduledEventStore(store).start()) {
            recordOnBus(a, seen);
            List<ScheduledEvent> onA = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                onA.add(a.schedule(new Reminder("r" + i), T0.plusSeconds(1 + i)));
            }
            try (var b = MessageBus.builder().name("b").clock(clock).scheduledEventStore(store).build()) {
                b.registerEventHandler(Reminder.class, (r, ctx) -> seen.add(new Seen("bus", r.text(), ctx.sessionId())));
                b.start();
                List<ScheduledEvent> onB = b.scheduledEvents();
                assertEquals(ids(onA), ids(onB), "b restored a's entries (a is alive: both now hold them)");

                clock.advance(Duration.ofMinutes(1));
                for (int i = 0; i < onA.size(); i++) {
                    ScheduledEvent x = onA.get(i);
                    ScheduledEvent y = onB.get(i);
                    awaitUntil(x + " and " + y + " to be decided", () -> x.state() != ScheduledEvent.State.PENDING
                            && y.state() != ScheduledEvent.State.PENDING);
                    assertEquals(Set.of(ScheduledEvent.State.FIRED, ScheduledEvent.State.STORED), Set.of(x.state(), y.state()),
                            "exactly one bus fired " + x.id());
                }
                awaitIdle(a);
                awaitIdle(b);
                assertEquals(20, a.stats().scheduled().fired() + b.stats().scheduled().fired());
            }
        }
        assertEquals(20, seen.size(), seen.toString());
        assertEquals(20, seen.stream().map(Seen::text).distinct().count(), "no entry was delivered twice");
        assertEquals(Set.of(), storedIds(store));
    }

    @Test
    void afterARestart_cancelScheduledEventsOfASession_cancelsThemAndRemovesThemFromTheStore() throws Exception {
        var clock = new ManualClock(T0);
        var store = new InMemoryScheduledEventStore();
        List<MessageId> ofS = new ArrayList<>();
        MessageId ofT;
        MessageId ofBus;
        try (var first = MessageBus.builder().name("first").clock(clock).scheduledEventStore(store).start()) {
            try (Session s = first.openSession("s"); Session t = first.openSession("t")) {
                ofS.add(s.schedule(new Reminder("s2"), T0.plus(Duration.ofMinutes(2))).id());
                ofS.add(0, s.schedule(new Reminder("s1"), T0.plus(Duration.ofMinutes(1))).id());
                ofS.add(s.schedule(new Reminder("s3"), T0.plus(Duration.ofMinutes(3))).id());
                ofT = t.schedule(new Reminder("t1"), T0.plus(Duration.ofMinutes(1))).id();
                ofBus = first.schedule(new Reminder("b1"), T0.plus(Duration.ofMinutes(1))).id();
            }
        }
        assertEquals(3, store.bySession("s").size());

        List<Seen> seen = new CopyOnWriteArrayList<>();
        try (var second = MessageBus.builder().name("second").clock(clock).scheduledEventStore(store).start()) {
            recordOnBus(second, seen);
            assertEquals(ofS, ids(second.scheduledEvents("s")), "listed by session, in due order, no session open");
            List<ScheduledEvent> handles = second.scheduledEvents("s");
            assertTrue(second.scheduledEvent(ofS.get(0)).isPresent());

            assertEquals(3, second.cancelScheduledEvents("s"));

            handles.forEach(h -> assertEquals(ScheduledEvent.State.CANCELLED, h.state()));
            assertEquals(List.of(), second.scheduledEvents("s"));
            assertTrue(second.scheduledEvent(ofS.get(0)).isEmpty());
            assertEquals(List.of(), store.bySession("s"), "removed from the store");
            assertEquals(Set.of(ofT, ofBus), storedIds(store));
            assertEquals(0, second.cancelScheduledEvents("s"));
            assertEquals(0, second.cancelScheduledEvents("nobody"));
            assertEquals(3, second.stats().scheduled().cancelled());
            assertEquals(2, second.stats().scheduled().pending());

            clock.advance(Duration.ofMinutes(5));
            awaitUntil("the other two to fire", () -> second.stats().scheduled().fired() == 2);
            awaitIdle(second);
            assertEquals(sorted(List.of(new Seen("bus", "t1", "t"), new Seen("bus", "b1", null))), sorted(seen));
            assertEquals(Set.of(), storedIds(store));
        }
    }

    @Test
    void underCancel_aSessionsCloseCancelsItsPendingEvents_andRemovesThemFromTheStore() throws Exception {
        var clock = new ManualClock(T0);
        var store = new InMemoryScheduledEventStore();
        List<Seen> seen = new CopyOnWriteArrayList<>();
        try (var bus = MessageBus.builder().name("cancel-on-close").clock(clock).scheduledEventStore(store)
                .scheduledOnSessionClose(ScheduledOnSessionClose.CANCEL).start()) {
            recordOnBus(bus, seen);
            Session other = bus.openSession("other");
            ScheduledEvent ofOther = other.schedule(new Reminder("other's"), Duration.ofMinutes(1));
            ScheduledEvent ofBus = bus.schedule(new Reminder("bus's"), Duration.ofMinutes(1));
            Session session = bus.openSession("s");
            ScheduledEvent a = session.schedule(new Reminder("a"), Duration.ofMinutes(1));
            ScheduledEvent b = session.schedule(new Reminder("b"), Duration.ofMinutes(2));

            SessionCloseReport report = session.close(WAIT);

            assertEquals(2, report.scheduledCancelled(), report.toString());
            assertEquals(0, report.scheduledKept(), report.toString());
            assertTrue(report.drained());
            assertEquals(ScheduledEvent.State.CANCELLED, a.state());
            assertEquals(ScheduledEvent.State.CANCELLED, b.state());
            assertFalse(a.cancel());
            assertEquals(Set.of(ofOther.id(), ofBus.id()), storedIds(store));
            assertEquals(List.of(), bus.scheduledEvents("s"));
            assertEquals(2, bus.stats().scheduled().cancelled());
            assertEquals(2, bus.stats().scheduled().pending());
            assertEquals(report, session.close(WAIT), "a later close returns the same report");

            clock.advance(Duration.ofMinutes(5));
            awaitState(ofOther, ScheduledEvent.State.FIRED);
            awaitState(ofBus, ScheduledEvent.State.FIRED);
            awaitIdle(bus);
            assertEquals(sorted(List.of(new Seen("bus", "other's", "other"), new Seen("bus", "bus's", null))), sorted(seen));

            SessionCloseReport otherReport = other.close(WAIT);
            assertEquals(0, otherReport.scheduledCancelled(), "its only event had fired");
        }
    }

    /** The in-memory store, counting the claims the bus makes. */
    static final class CountingStore implements org.llmgine.bus.spi.ScheduledEventStore {
        final InMemoryScheduledEventStore inner = new InMemoryScheduledEventStore();
        final java.util.concurrent.atomic.AtomicInteger claims = new java.util.concurrent.atomic.AtomicInteger();
        final java.util.concurrent.atomic.AtomicInteger finds = new java.util.concurrent.atomic.AtomicInteger();

        @Override
        public void add(StoredScheduledEvent entry) {
            inner.add(entry);
        }

        @Override
        public boolean claim(MessageId id, UUID owner, Instant now, Instant until) {
            boolean claimed = inner.claim(id, owner, now, until);
            claims.incrementAndGet();
            return claimed;
        }

        @Override
        public void complete(MessageId id) {
            inner.complete(id);
        }

        @Override
        public boolean cancel(MessageId id) {
            return inner.cancel(id);
        }

        @Override
        public List<StoredScheduledEvent> pending() {
            return inner.pending();
        }

        @Override
        public java.util.Optional<StoredScheduledEvent> find(MessageId id) {
            var found = inner.find(id);
            finds.incrementAndGet();
            return found;
        }

        @Override
        public List<StoredScheduledEvent> bySession(String sessionId) {
            return inner.bySession(sessionId);
        }
    }

    @Test
    void anEntryClaimedByAnotherInstance_isNotFiredByThisBus() throws Exception {
        var clock = new ManualClock(T0);
        var counting = new CountingStore();
        var store = counting.inner;
        List<Seen> seen = new CopyOnWriteArrayList<>();
        try (var bus = MessageBus.builder().name("claimed").clock(clock).scheduledEventStore(counting).start()) {
            recordOnBus(bus, seen);
            ScheduledEvent claimed = bus.schedule(new Reminder("claimed elsewhere"), Duration.ofMinutes(1));
            ScheduledEvent free = bus.schedule(new Reminder("free"), Duration.ofMinutes(1));
            UUID otherInstance = UUID.randomUUID();
            assertTrue(store.claim(claimed.id(), otherInstance, T0, T0.plus(Duration.ofDays(1))));

            clock.advance(Duration.ofMinutes(2));
            awaitState(free, ScheduledEvent.State.FIRED);
            awaitState(claimed, ScheduledEvent.State.STORED);
            awaitIdle(bus);

            assertEquals(List.of(new Seen("bus", "free", null)), seen);
            assertTrue(claimed.outcome().isEmpty(), "never published");
            assertFalse(claimed.cancel());
            assertTrue(bus.scheduledEvent(claimed.id()).isEmpty(), "no longer pending on this bus");
            assertEquals(Set.of(claimed.id()), storedIds(store), "left in the store for its owner");
            BusStats.Scheduled stats = bus.stats().scheduled();
            assertEquals(1, stats.fired(), stats.toString());
            assertEquals(1, stats.stored(), stats.toString());
            assertEquals(0, stats.pending(), stats.toString());
            assertEquals(0, stats.cancelled(), stats.toString());
            assertTrue(store.claim(claimed.id(), otherInstance, T0, T0.plus(Duration.ofDays(1))), "still the other's");
            assertFalse(store.claim(claimed.id(), bus.instanceId(), T0, T0.plus(Duration.ofDays(1))));

            // After a lease the bus looks again: the holder's claim still stands, so it stays the holder's.
            int claimsSoFar = counting.claims.get(); // the free entry's and the refused one
            assertEquals(2, claimsSoFar);
            clock.advance(Duration.ofMinutes(6));
            awaitUntil("the bus to try the claim again", () -> counting.claims.get() == claimsSoFar + 1);
            awaitUntil("it to be left to the holder again", () -> claimed.state() == ScheduledEvent.State.STORED);
            assertEquals(Set.of(claimed.id()), storedIds(store));
            // then the holder completes it; the next look finds it done, claims nothing and fires nothing.
            int findsSoFar = counting.finds.get();
            store.complete(claimed.id());
            clock.advance(Duration.ofMinutes(6));
            awaitUntil("the bus to look again", () -> counting.finds.get() == findsSoFar + 1);
            clock.advance(Duration.ofMinutes(6));
            awaitIdle(bus);
            assertEquals(ScheduledEvent.State.STORED, claimed.state());
            assertEquals(claimsSoFar + 1, counting.claims.get(), "no claim once it is done");
            assertEquals(List.of(new Seen("bus", "free", null)), seen);
            assertEquals(1, bus.stats().scheduled().fired());
            assertEquals(1, bus.stats().scheduled().stored());
        }
    }

    @Test
    void aSuccessorStartedWithinADeadInstancesLease_firesTheEntryOnceTheLeaseLapses() throws Exception {
        var clock = new ManualClock(T0);
        var store = new InMemoryScheduledEventStore();
        MessageId id;
        try (var first = MessageBus.builder().name("first").clock(clock).scheduledEventStore(store).start()) {
            id = first.schedule(new Reminder("at least once"), T0.plus(Duration.ofMinutes(1))).id();
        }
        // An instance claimed it at its due time to fire it (a five-minute lease, as a bus takes) and
        // died before completing it.
        UUID dead = UUID.randomUUID();
        assertTrue(store.claim(id, dead, T0.plus(Duration.ofMinutes(1)), T0.plus(Duration.ofMinutes(6))));

        List<Seen> seen = new CopyOnWriteArrayList<>();
        try (var successor = MessageBus.builder().name("successor").clock(clock).scheduledEventStore(store).start()) {
            recordOnBus(successor, seen);
            ScheduledEvent restored = successor.scheduledEvent(id).orElseThrow();

            clock.advance(Duration.ofMinutes(2)); // due, but the dead claim still stands
            awaitState(restored, ScheduledEvent.State.STORED);
            awaitIdle(successor);
            assertEquals(List.of(), seen);
            assertEquals(1, successor.stats().scheduled().stored());

            clock.advance(Duration.ofMinutes(6)); // the dead claim lapsed at 0:06; the bus looks again at 0:07
            awaitState(restored, ScheduledEvent.State.FIRED);
            awaitIdle(successor);

            assertEquals(List.of(new Seen("bus", "at least once", null)), seen);
            assertInstanceOf(PublishOutcome.Accepted.class, restored.outcome().orElseThrow());
            assertEquals(Set.of(), storedIds(store), "completed once fired");
            BusStats.Scheduled stats = successor.stats().scheduled();
            assertEquals(1, stats.fired(), stats.toString());
            assertEquals(0, stats.stored(), stats.toString());
            assertEquals(0, stats.pending(), stats.toString());
        }
    }

    @Test
    void aDeadInstancesLapsedClaim_doesNotStopTheSuccessorFromFiringTheEntryAgain() throws Exception {
        var clock = new ManualClock(T0);
        var store = new InMemoryScheduledEventStore();
        MessageId id;
        try (var first = MessageBus.builder().name("died-mid-fire").clock(clock).scheduledEventStore(store).start()) {
            id = first.openSession("chat").schedule(new Reminder("again"), T0.plus(Duration.ofMinutes(1))).id();
        }
        // As if an instance claimed it to fire and died before completing it: its lease ends at 0:02.
        UUID dead = UUID.randomUUID();
        assertTrue(store.claim(id, dead, T0.plus(Duration.ofMinutes(1)), T0.plus(Duration.ofMinutes(2))));

        List<Seen> seen = new CopyOnWriteArrayList<>();
        try (var successor = MessageBus.builder().name("successor").clock(clock).scheduledEventStore(store).start()) {
            recordOnBus(successor, seen);
            ScheduledEvent restored = successor.scheduledEvent(id).orElseThrow();
            clock.advance(Duration.ofMinutes(3)); // past the due time and past the dead claim's lease

            awaitState(restored, ScheduledEvent.State.FIRED);
            awaitIdle(successor);
            assertEquals(List.of(new Seen("bus", "again", "chat")), seen);
            assertEquals(Set.of(), storedIds(store));
        }
    }

    @Test
    void aSessionOpenWhenTheBusCloses_reportsItsPendingEventsAsKept() throws Exception {
        var clock = new ManualClock(T0);
        var store = new InMemoryScheduledEventStore();
        var bus = MessageBus.builder().name("closing-with-sessions").clock(clock).scheduledEventStore(store).start();
        Session session = bus.openSession("chat");
        session.schedule(new Reminder("one"), Duration.ofMinutes(1));
        session.schedule(new Reminder("two"), Duration.ofMinutes(2));
        bus.schedule(new Reminder("bus"), Duration.ofMinutes(3));

        CloseReport busReport = bus.close(WAIT);

        assertEquals(3, busReport.scheduledStored());
        assertFalse(session.isOpen());
        SessionCloseReport report = session.close(WAIT);
        assertEquals(2, report.scheduledKept(), "its events stay in the store for the next bus: " + report);
        assertEquals(0, report.scheduledCancelled());
        assertFalse(report.drained(), "the bus closed it without draining it");
        assertEquals(0, bus.stats().sessions().active());
        assertEquals(1, bus.stats().sessions().closed());
        assertEquals(2, store.bySession("chat").size());
    }

    @Test
    void stateNames_matchTheStatistics_firedCancelledAndStoredAtClose() throws Exception {
        var clock = new ManualClock(T0);
        var store = new InMemoryScheduledEventStore();
        List<ScheduledEvent> handles = new ArrayList<>();
        var bus = MessageBus.builder().name("states").clock(clock).scheduledEventStore(store).start();
        try (bus) {
            for (int i = 0; i < 9; i++) {
                handles.add(bus.schedule(new Reminder("r" + i), T0.plus(Duration.ofMinutes(i % 3 == 2 ? 60 : 1))));
            }
            assertTrue(handles.get(0).cancel());
            assertTrue(handles.get(3).cancel());
            clock.advance(Duration.ofMinutes(1));
            handles.stream().filter(h -> h.dueAt().equals(T0.plus(Duration.ofMinutes(1)))
                    && h.state() != ScheduledEvent.State.CANCELLED).forEach(h -> awaitState(h, ScheduledEvent.State.FIRED));
            awaitIdle(bus);
            assertCountsMatch(handles, bus.stats().scheduled());
            assertEquals(3, bus.stats().scheduled().pending());
        }
        assertEquals(BusState.CLOSED, bus.state());
        BusStats.Scheduled atClose = bus.stats().scheduled();
        assertCountsMatch(handles, atClose);
        assertEquals(3, atClose.stored());
        assertEquals(0, atClose.pending());
        assertEquals(9, atClose.fired() + atClose.cancelled() + atClose.stored(), "every entry ended in one state");
        assertEquals(handles.stream().filter(h -> h.state() == ScheduledEvent.State.STORED).map(ScheduledEvent::id)
                .collect(Collectors.toSet()), storedIds(store));
    }

    /** For every state, the handles in it number what the statistic of the same name says. */
    private static void assertCountsMatch(List<ScheduledEvent> handles, BusStats.Scheduled stats) throws Exception {
        Map<ScheduledEvent.State, Long> byState = new EnumMap<>(ScheduledEvent.State.class);
        for (ScheduledEvent.State state : ScheduledEvent.State.values()) {
            byState.put(state, handles.stream().filter(h -> h.state() == state).count());
        }
        Set<String> components = new TreeSet<>();
        for (RecordComponent component : BusStats.Scheduled.class.getRecordComponents()) {
            components.add(component.getName());
        }
        for (ScheduledEvent.State state : ScheduledEvent.State.values()) {
            String name = state.name().toLowerCase(java.util.Locale.ROOT);
            assertTrue(components.contains(name), "BusStats.Scheduled has no '" + name + "': " + components);
            Number value = (Number) BusStats.Scheduled.class.getMethod(name).invoke(stats);
            assertEquals(byState.get(state).longValue(), value.longValue(), name + " in " + stats + " vs handles "
                    + handles.stream().sorted(Comparator.comparing(ScheduledEvent::id)).toList());
        }
    }
}
