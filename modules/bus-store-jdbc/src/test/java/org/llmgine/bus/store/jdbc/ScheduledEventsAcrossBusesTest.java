package org.llmgine.bus.store.jdbc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.llmgine.bus.MessageBus;
import org.llmgine.bus.PublishOptions;
import org.llmgine.bus.store.jdbc.ScheduledEventStoreTest.Reminder;

/**
 * Buses on a JDBC store: what one bus scheduled survives its close (or crash) and fires on the next
 * bus; two buses that both load the same entries fire each once between them.
 */
final class ScheduledEventsAcrossBusesTest {

    private static final Instant T0 = Instant.parse("2026-12-01T09:00:00Z");

    private static void awaitUntil(BooleanSupplier condition, String what) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError(what + " within 10 s");
            }
            Thread.onSpinWait();
        }
    }

    @ParameterizedTest
    @EnumSource(TestDatabase.class)
    void whatOneBusScheduled_firesOnTheNext_withItsSessionHeadersAndPriority(TestDatabase kind) throws Exception {
        try (var db = kind.open()) {
            var clock = new ManualClock(T0);
            JdbcStores stores = JdbcStores.builder(db.dataSource()).codec(ScheduledEventStoreTest.CODEC).build();
            try (MessageBus first = MessageBus.builder().name("first").clock(clock)
                    .scheduledEventStore(stores.scheduledEvents()).start()) {
                first.schedule(new Reminder("stand up", 1), Duration.ofMinutes(10));
                first.openSession("chat-7").schedule(new Reminder("follow up", 2), T0.plus(Duration.ofMinutes(20)),
                        PublishOptions.defaults().withHeader("trace", "t-2").withPriority(80));
            } // closed before either is due: both stay in the table

            List<String> seen = new CopyOnWriteArrayList<>();
            var store = stores.scheduledEvents();
            assertEquals(2, store.pending().size());
            try (MessageBus next = MessageBus.builder().name("next").clock(clock).scheduledEventStore(store).start()) {
                next.registerEventHandler(Reminder.class, (r, ctx) -> seen.add(r.text() + "|" + ctx.sessionId() + "|"
                        + ctx.headers().get("trace").orElse("-") + "|" + ctx.priority()));
                assertEquals(2, next.stats().scheduled().pending(), "loaded at start");
                clock.advance(Duration.ofMinutes(10));
                awaitUntil(() -> seen.size() == 1, "the first reminder");
                clock.advance(Duration.ofMinutes(10));
                awaitUntil(() -> seen.size() == 2, "the second reminder");
                assertTrue(next.awaitIdle(Duration.ofSeconds(10)));
            }
            assertEquals(List.of("stand up|null|-|50", "follow up|chat-7|t-2|80"), seen);
            assertEquals(List.of(), store.pending(), "fired entries are gone from the table");
        }
    }

    @ParameterizedTest
    @EnumSource(TestDatabase.class)
    void twoBusesOnOneTable_fireEachEntryOnce(TestDatabase kind) throws Exception {
        try (var db = kind.open()) {
            var clock = new ManualClock(T0);
            JdbcStores stores = JdbcStores.builder(db.dataSource()).codec(ScheduledEventStoreTest.CODEC).build();
            int count = 40;
            try (MessageBus scheduler = MessageBus.builder().name("scheduler").clock(clock)
                    .scheduledEventStore(stores.scheduledEvents()).start()) {
                for (int i = 0; i < count; i++) {
                    scheduler.schedule(new Reminder("r", i), Duration.ofSeconds(1 + i % 5));
                }
            }
            ConcurrentHashMap<Integer, String> firedBy = new ConcurrentHashMap<>();
            List<String> duplicates = new CopyOnWriteArrayList<>();
            try (MessageBus a = MessageBus.builder().name("a").clock(clock).scheduledEventStore(stores.scheduledEvents())
                    .start();
                    MessageBus b = MessageBus.builder().name("b").clock(clock)
                            .scheduledEventStore(stores.scheduledEvents()).start()) {
                for (MessageBus bus : List.of(a, b)) {
                    bus.registerEventHandler(Reminder.class, (r, ctx) -> {
                        String before = firedBy.putIfAbsent(r.n(), bus.name());
                        if (before != null) {
                            duplicates.add(r.n() + " on " + before + " and " + bus.name());
                        }
                    });
                }
                assertEquals(count, a.stats().scheduled().pending());
                assertEquals(count, b.stats().scheduled().pending());
                clock.advance(Duration.ofSeconds(5));
                awaitUntil(() -> firedBy.size() == count, "every reminder fired");
                assertTrue(a.awaitIdle(Duration.ofSeconds(10)) && b.awaitIdle(Duration.ofSeconds(10)));
            }
            assertEquals(List.of(), duplicates, "no entry fired on both buses");
            assertEquals(List.of(), stores.scheduledEvents().pending());
        }
    }

    @ParameterizedTest
    @EnumSource(TestDatabase.class)
    void pollingBuses_fireWhatOthersScheduledLater_andTakeOverADeadInstancesClaims(TestDatabase kind)
            throws Exception {
        try (var db = kind.open()) {
            var clock = new ManualClock(T0);
            JdbcStores stores = JdbcStores.builder(db.dataSource()).codec(ScheduledEventStoreTest.CODEC).build();
            ConcurrentHashMap<Integer, String> firedBy = new ConcurrentHashMap<>();
            List<String> duplicates = new CopyOnWriteArrayList<>();
            try (MessageBus a = polling("a", clock, stores, firedBy, duplicates);
                    MessageBus b = polling("b", clock, stores, firedBy, duplicates)) {
                try (MessageBus gone = MessageBus.builder().name("gone").clock(clock)
                        .scheduledEventStore(stores.scheduledEvents()).start()) {
                    for (int i = 0; i < 30; i++) {
                        gone.schedule(new Reminder("later", i), Duration.ofSeconds(5));
                    }
                } // scheduled after a and b started, then gone: only a poll finds them
                var store = stores.scheduledEvents();
                var held = store.pending().get(0);
                java.util.UUID dead = java.util.UUID.fromString("00000000-0000-7000-8000-00000000dead");
                assertTrue(store.claim(held.id(), dead, T0, T0.plus(Duration.ofMinutes(2))), "a dead instance's claim");

                clock.advance(Duration.ofSeconds(30));
                awaitUntil(() -> firedBy.size() == 29, "every entry but the dead instance's");
                clock.advance(Duration.ofSeconds(60));
                assertEquals(29, firedBy.size(), "the dead instance's entry waits for its lease");
                clock.advance(Duration.ofSeconds(60));
                awaitUntil(() -> firedBy.size() == 30, "the dead instance's entry after its lease");
                assertTrue(a.awaitIdle(Duration.ofSeconds(10)) && b.awaitIdle(Duration.ofSeconds(10)));
            }
            assertEquals(List.of(), duplicates, "no entry fired on both buses");
            assertEquals(List.of(), stores.scheduledEvents().pending());
        }
    }

    private static MessageBus polling(String name, ManualClock clock, JdbcStores stores,
            ConcurrentHashMap<Integer, String> firedBy, List<String> duplicates) {
        MessageBus bus = MessageBus.builder().name(name).clock(clock).scheduledEventStore(stores.scheduledEvents())
                .scheduledStorePollInterval(Duration.ofSeconds(30)).start();
        bus.registerEventHandler(Reminder.class, (r, ctx) -> {
            String before = firedBy.putIfAbsent(r.n(), name);
            if (before != null) {
                duplicates.add(r.n() + " on " + before + " and " + name);
            }
        });
        return bus;
    }
}
