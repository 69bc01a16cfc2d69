package org.llmgine.bus;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.llmgine.bus.message.Event;
import org.llmgine.bus.spi.InMemoryScheduledEventStore;
import org.llmgine.bus.spi.StoredScheduledEvent;

/**
 * Scheduled events on an injected clock: the tests move time by advancing the clock, never by
 * sleeping.
 */
final class ScheduledEventsTest {

    private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

    record Reminder(String text) implements Event {}

    /** What a handler saw: the event's text, session and the bus time it was published at. */
    record Seen(String text, String sessionId, Instant publishedAt) {}

    private static void awaitUntil(java.util.function.BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("condition not met within 5 s");
            }
            Thread.onSpinWait();
        }
    }

    @Test
    void aScheduledEvent_isNeverDeliveredBeforeItsDueTime_andIsDeliveredOnceDue() throws Exception {
        var clock = new ManualClock(T0);
        List<Seen> seen = new CopyOnWriteArrayList<>();
        try (var bus = MessageBus.builder().name("schedule").clock(clock).start()) {
            bus.registerEventHandler(Reminder.class, (r, ctx) -> seen.add(new Seen(r.text(), String.valueOf(ctx.sessionId()),
                    ctx.timestamp())));
            ScheduledEvent handle = bus.schedule(new Reminder("stand up"), Duration.ofMinutes(10));
            assertEquals(T0.plus(Duration.ofMinutes(10)), handle.dueAt());
            assertEquals(ScheduledEvent.State.PENDING, handle.state());
            assertEquals(1, bus.stats().scheduled().pending());

            clock.advance(Duration.ofMinutes(9));
            clock.advance(Duration.ofSeconds(59));
            assertEquals(ScheduledEvent.State.PENDING, handle.state());
            clock.advance(Duration.ofSeconds(1));

            awaitUntil(() -> seen.size() == 1);
            assertEquals("stand up", seen.get(0).text());
            assertFalse(seen.get(0).publishedAt().isBefore(handle.dueAt()), "published before it was due");
            // the handler may run before the timer thread records the outcome on the handle
            awaitUntil(() -> handle.state() == ScheduledEvent.State.FIRED);
            assertInstanceOf(PublishOutcome.Accepted.class, handle.outcome().orElseThrow());
            assertEquals(1, bus.stats().scheduled().fired());
            assertEquals(0, bus.stats().scheduled().pending());
        }
    }

    @Test
    void dueEvents_arePublishedInDueOrder_inTheirSession() throws Exception {
        var clock = new ManualClock(T0);
        var accepted = new java.util.concurrent.ConcurrentSkipListMap<org.llmgine.bus.message.MessageId, String>();
        try (var bus = MessageBus.builder().name("order").clock(clock).start(); var session = bus.openSession("chat")) {
            bus.registerEventHandler(Reminder.class, (r, ctx) -> accepted.put(ctx.messageId(),
                    r.text() + "@" + ctx.sessionId()));
            session.schedule(new Reminder("third"), T0.plusSeconds(30));
            session.schedule(new Reminder("first"), T0.plusSeconds(10));
            bus.schedule(new Reminder("second"), T0.plusSeconds(20));

            clock.advance(Duration.ofMinutes(1));

            awaitUntil(() -> accepted.size() == 3);
            // message ids follow acceptance: published in due order, each in its own scope
            assertEquals(List.of("first@chat", "second@null", "third@chat"), List.copyOf(accepted.values()));
        }
    }

    @Test
    void cancelling_preventsDelivery() throws Exception {
        var clock = new ManualClock(T0);
        List<Seen> seen = new CopyOnWriteArrayList<>();
        try (var bus = MessageBus.builder().name("cancel").clock(clock).start()) {
            bus.subscribe(Reminder.class, r -> seen.add(new Seen(r.text(), "", T0)));
            ScheduledEvent cancelled = bus.schedule(new Reminder("cancelled"), Duration.ofSeconds(5));
            ScheduledEvent kept = bus.schedule(new Reminder("kept"), Duration.ofSeconds(6));

            assertTrue(cancelled.cancel());
            assertFalse(cancelled.cancel(), "a second cancel does nothing");
            clock.advance(Duration.ofSeconds(10));
            awaitUntil(() -> kept.state() == ScheduledEvent.State.FIRED);
            assertTrue(bus.awaitIdle(Duration.ofSeconds(5)));

            assertEquals(List.of("kept"), seen.stream().map(Seen::text).toList());
            assertEquals(ScheduledEvent.State.CANCELLED, cancelled.state());
            assertFalse(kept.cancel(), "a published event cannot be cancelled");
            assertEquals(1, bus.stats().scheduled().cancelled());
        }
    }

    @Test
    void closeThenRestart_restoresPendingEventsFromTheStore_inDueOrder() throws Exception {
        var clock = new ManualClock(T0);
        var store = new InMemoryScheduledEventStore();
        try (var first = MessageBus.builder().name("first").clock(clock).scheduledEventStore(store).start()) {
            try (var session = first.openSession("chat")) {
                first.schedule(new Reminder("c"), T0.plusSeconds(30));
                session.schedule(new Reminder("a"), T0.plusSeconds(10), PublishOptions.defaults().withHeader("trace", "t"));
                first.schedule(new Reminder("b"), T0.plusSeconds(20));
            }
            CloseReport report = first.close(Duration.ofSeconds(5));
            assertTrue(report.clean(), report.toString());
            assertEquals(3, report.scheduledStored());
        }
        assertEquals(List.of("a", "b", "c"), // written through when scheduled; still pending after close
                store.contents().stream().sorted(java.util.Comparator.comparing(StoredScheduledEvent::dueAt))
                        .map(e -> ((Reminder) e.event()).text()).toList());

        // keyed by message id: acceptance order, which is due order (lanes then run in parallel)
        var accepted = new java.util.concurrent.ConcurrentSkipListMap<org.llmgine.bus.message.MessageId, String>();
        try (var second = MessageBus.builder().name("second").clock(clock).scheduledEventStore(store).build()) {
            second.registerEventHandler(Reminder.class, (r, ctx) -> accepted.put(ctx.messageId(),
                    r.text() + "@" + ctx.sessionId() + " trace=" + ctx.headers().get("trace").orElse("-")));
            second.start();
            assertEquals(3, second.stats().scheduled().pending());
            assertEquals(3, second.scheduledEvents().size(), "restored entries can be listed");

            clock.advance(Duration.ofMinutes(1));

            awaitUntil(() -> accepted.size() == 3);
            awaitUntil(() -> store.contents().isEmpty()); // completed in the store as they fired
            assertEquals(List.of("a@chat trace=t", "b@null trace=-", "c@null trace=-"), List.copyOf(accepted.values()));
        }
    }

    @Test
    void aDueEventTheQueueCannotTake_isCountedAndReported_notLostSilently() throws Exception {
        var clock = new ManualClock(T0);
        var gate = new CountDownLatch(1);
        var running = new CountDownLatch(1);
        try (var bus = MessageBus.builder().name("full").clock(clock).queueCapacity(1).start()) {
            bus.subscribe(Reminder.class, r -> {
                running.countDown();
                gate.await();
            });
            bus.publish(new Reminder("occupies the only slot"));
            assertTrue(running.await(5, TimeUnit.SECONDS));
            ScheduledEvent handle = bus.schedule(new Reminder("due into a full queue"), Duration.ofSeconds(1));

            clock.advance(Duration.ofSeconds(1));
            awaitUntil(() -> handle.state() == ScheduledEvent.State.FIRED);

            var rejected = assertInstanceOf(PublishOutcome.Rejected.class, handle.outcome().orElseThrow());
            assertEquals(RejectionReason.QUEUE_FULL, rejected.reason());
            assertEquals(1, bus.stats().scheduled().rejected());
            gate.countDown();
        }
    }

    @Test
    void anEventScheduledInThePast_isPublishedAtOnce_andAStoreThatCannotWriteRefusesTheSchedule() throws Exception {
        var clock = new ManualClock(T0);
        List<String> seen = new CopyOnWriteArrayList<>();
        var failing = new FailingStore();
        try (var bus = MessageBus.builder().name("past").clock(clock).scheduledEventStore(failing).start()) {
            bus.subscribe(Reminder.class, r -> seen.add(r.text()));
            bus.schedule(new Reminder("late"), T0.minusSeconds(5));
            awaitUntil(() -> seen.size() == 1);
            failing.full = true;

            var error = assertThrows(IllegalStateException.class,
                    () -> bus.schedule(new Reminder("never stored"), Duration.ofDays(1)));

            assertTrue(error.getMessage().contains("could not write scheduled event"), error.getMessage());
            assertTrue(error.getMessage().contains("disk full"), error.getMessage());
            assertEquals(0, bus.stats().scheduled().pending(), "nothing is scheduled that the store does not hold");
            assertEquals(List.of(), bus.scheduledEvents());
        }
    }

    /** A store that can be made to fail on add; otherwise the in-memory one. */
    static final class FailingStore implements org.llmgine.bus.spi.ScheduledEventStore {
        private final InMemoryScheduledEventStore inner = new InMemoryScheduledEventStore();
        volatile boolean full;

        @Override
        public void add(StoredScheduledEvent entry) {
            if (full) {
                throw new IllegalStateException("disk full");
            }
            inner.add(entry);
        }

        @Override
        public boolean claim(org.llmgine.bus.message.MessageId id, java.util.UUID owner, Instant now, Instant until) {
            return inner.claim(id, owner, now, until);
        }

        @Override
        public void complete(org.llmgine.bus.message.MessageId id) {
            inner.complete(id);
        }

        @Override
        public boolean cancel(org.llmgine.bus.message.MessageId id) {
            return inner.cancel(id);
        }

        @Override
        public List<StoredScheduledEvent> pending() {
            return inner.pending();
        }

        @Override
        public java.util.Optional<StoredScheduledEvent> find(org.llmgine.bus.message.MessageId id) {
            return inner.find(id);
        }

        @Override
        public List<StoredScheduledEvent> bySession(String sessionId) {
            return inner.bySession(sessionId);
        }
    }

    @Test
    void badArguments_areRejected() {
        try (var bus = MessageBus.builder().name("bad").build()) {
            var negative = assertThrows(IllegalArgumentException.class,
                    () -> bus.schedule(new Reminder("x"), Duration.ofSeconds(-1)));
            assertEquals("delay must not be negative, but was PT-1S", negative.getMessage());
            assertThrows(NullPointerException.class, () -> bus.schedule(new Reminder("x"), (Instant) null));
        }
    }
}
