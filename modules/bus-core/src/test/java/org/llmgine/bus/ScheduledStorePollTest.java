package org.llmgine.bus;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.llmgine.bus.message.Event;
import org.llmgine.bus.spi.InMemoryScheduledEventStore;

/**
 * Buses that poll a shared scheduled-event store: they fire what other instances scheduled after
 * they started and what a dead instance held, each entry once between them.
 */
final class ScheduledStorePollTest {

    private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

    record Reminder(int n) implements Event {}

    private static void awaitUntil(BooleanSupplier condition, String what) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError(what + " within 10 s");
            }
            Thread.onSpinWait();
        }
    }

    private static MessageBus polling(String name, ManualClock clock, InMemoryScheduledEventStore store,
            ConcurrentHashMap<Integer, String> firedBy, List<String> twice) {
        MessageBus bus = MessageBus.builder().name(name).clock(clock).scheduledEventStore(store)
                .scheduledStorePollInterval(Duration.ofSeconds(30)).start();
        bus.registerEventHandler(Reminder.class, (r, ctx) -> {
            String before = firedBy.putIfAbsent(r.n(), name);
            if (before != null) {
                twice.add(r.n() + " on " + before + " and " + name);
            }
        });
        return bus;
    }

    @Test
    void entriesScheduledElsewhereAfterStart_fireOnceOnThePollingBuses() throws Exception {
        var clock = new ManualClock(T0);
        var store = new InMemoryScheduledEventStore();
        var firedBy = new ConcurrentHashMap<Integer, String>();
        List<String> twice = new CopyOnWriteArrayList<>();
        try (MessageBus a = polling("a", clock, store, firedBy, twice);
                MessageBus b = polling("b", clock, store, firedBy, twice)) {
            try (MessageBus gone = MessageBus.builder().name("gone").clock(clock).scheduledEventStore(store).start()) {
                for (int i = 0; i < 25; i++) {
                    gone.schedule(new Reminder(i), Duration.ofSeconds(10));
                }
            } // its entries stay in the store; a and b never loaded them
            assertEquals(0, a.stats().scheduled().pending());
            clock.advance(Duration.ofSeconds(30));
            awaitUntil(() -> firedBy.size() == 25, "every entry fired by a poll");
            assertTrue(a.awaitIdle(Duration.ofSeconds(10)) && b.awaitIdle(Duration.ofSeconds(10)));
        }
        assertEquals(List.of(), twice, "no entry fired on both buses");
        assertEquals(List.of(), store.pending());
    }

    @Test
    void anEntryHeldByADeadInstance_firesAfterItsLeaseLapses() throws Exception {
        var clock = new ManualClock(T0);
        var store = new InMemoryScheduledEventStore();
        var firedBy = new ConcurrentHashMap<Integer, String>();
        List<String> twice = new CopyOnWriteArrayList<>();
        try (MessageBus a = polling("a", clock, store, firedBy, twice)) {
            try (MessageBus gone = MessageBus.builder().name("gone").clock(clock).scheduledEventStore(store).start()) {
                gone.schedule(new Reminder(1), Duration.ofSeconds(10));
            }
            var entry = store.pending().get(0);
            UUID dead = UUID.fromString("00000000-0000-7000-8000-00000000dead");
            assertTrue(store.claim(entry.id(), dead, T0, T0.plus(Duration.ofMinutes(2))), "a claim that will never end");
            clock.advance(Duration.ofSeconds(30));
            clock.advance(Duration.ofSeconds(30));
            assertEquals(0, firedBy.size(), "held by the dead instance within its lease");
            clock.advance(Duration.ofSeconds(90));
            awaitUntil(() -> firedBy.size() == 1, "the dead instance's entry fired after its lease");
            assertTrue(a.awaitIdle(Duration.ofSeconds(10)));
        }
        assertEquals(List.of(), store.pending());
    }

    @Test
    void thePollInterval_mustBePositive() {
        assertThrows(IllegalArgumentException.class,
                () -> MessageBus.builder().scheduledStorePollInterval(Duration.ZERO));
        assertThrows(IllegalArgumentException.class,
                () -> MessageBus.builder().scheduledStorePollInterval(Duration.ofSeconds(-1)));
    }
}
