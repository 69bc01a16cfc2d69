package org.llmgine.bus.store.jdbc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.llmgine.bus.MessageBus;
import org.llmgine.bus.store.jdbc.ScheduledEventStoreTest.Reminder;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * The Python bus's persistence scenarios, as they make sense here, and its error scenarios with
 * the opposite verdict: a database that cannot be reached fails the start clearly.
 */
final class PersistenceScenariosTest {

    private static final Instant T0 = Instant.parse("2026-12-01T04:00:00Z");
    private static final Duration WAIT = Duration.ofSeconds(10);

    private static void awaitSize(List<?> list, int size) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (list.size() < size) {
            assertTrue(System.nanoTime() < deadline, () -> list.size() + " of " + size + " within 10 s");
            Thread.onSpinWait();
        }
    }

    @ParameterizedTest
    @EnumSource(value = TestDatabase.class, names = {"H2", "POSTGRESQL"})
    void onlyPendingScheduledEventsOutliveTheBus_andTheyComeBackInDueOrder(TestDatabase kind) throws Exception {
        try (var db = kind.open()) {
            var clock = new ManualClock(T0);
            JdbcStores stores = JdbcStores.builder(db.dataSource()).codec(ScheduledEventStoreTest.CODEC).build();
            List<Integer> seen = new CopyOnWriteArrayList<>();
            try (MessageBus first = MessageBus.builder().name("first").clock(clock)
                    .scheduledEventStore(stores.scheduledEvents()).start()) {
                first.registerEventHandler(Reminder.class, (r, ctx) -> seen.add(r.n()));
                first.schedule(new Reminder("soon", 0), Duration.ofSeconds(1));
                for (int n : new int[] {3, 1, 2}) { // scheduled out of order
                    first.schedule(new Reminder("later", n), Duration.ofMinutes(n));
                }
                first.publish(new Reminder("now", 9)); // published, not scheduled: never in the store
                clock.advance(Duration.ofSeconds(1));
                awaitSize(seen, 2);
                assertTrue(first.awaitIdle(WAIT));
            }
            assertEquals(3, stores.scheduledEvents().pending().size(), "the processed ones are not kept");

            seen.clear();
            try (MessageBus next = MessageBus.builder().name("next").clock(clock)
                    .scheduledEventStore(stores.scheduledEvents()).start()) {
                next.registerEventHandler(Reminder.class, (r, ctx) -> seen.add(r.n()));
                clock.advance(Duration.ofMinutes(5));
                awaitSize(seen, 3);
                assertTrue(next.awaitIdle(WAIT));
            }
            assertEquals(List.of(1, 2, 3), seen, "restored in due order");
            assertEquals(List.of(), stores.scheduledEvents().pending());
        }
    }

    @ParameterizedTest
    @EnumSource(value = TestDatabase.class, names = {"H2", "POSTGRESQL"})
    void withoutTheEventLog_nothingIsLogged(TestDatabase kind) throws Exception {
        try (var db = kind.open()) {
            JdbcStores stores = JdbcStores.builder(db.dataSource()).codec(ScheduledEventStoreTest.CODEC).build();
            try (MessageBus bus = MessageBus.builder().name("unlogged").start()) {
                bus.registerEventHandler(Reminder.class, (r, ctx) -> { });
                bus.publishAndWait(new Reminder("x", 1), WAIT);
            }
            JdbcEventLog reader = stores.eventLog().build();
            assertEquals(List.of(), reader.between(Instant.EPOCH, Instant.now().plusSeconds(60), 10),
                    "the log is off unless added");
        }
    }

    @Test
    void aDatabaseThatCannotBeReached_failsTheStartClearly() {
        var unreachable = new PGSimpleDataSource();
        unreachable.setURL("jdbc:postgresql://127.0.0.1:1/test");
        unreachable.setUser("postgres");
        unreachable.setConnectTimeout(5);
        var e = assertThrows(SQLException.class,
                () -> JdbcStores.builder(unreachable).codec(ScheduledEventStoreTest.CODEC).build());
        assertTrue(e.getMessage().contains("cannot reach the database"), e.getMessage());
        var owned = assertThrows(SQLException.class, () -> JdbcStores.builder(unreachable)
                .codec(ScheduledEventStoreTest.CODEC).dialect(Dialect.POSTGRESQL).applySchema(false).build(),
                "also when the application owns the schema");
        assertTrue(owned.getMessage().contains("cannot reach the database"), owned.getMessage());
    }

    @Test
    void aStoreWithoutACodec_isRefusedAtBuild() {
        var e = assertThrows(IllegalStateException.class, () -> JdbcStores.builder(new PGSimpleDataSource()).build());
        assertTrue(e.getMessage().contains("codec"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> JdbcStores.builder(new PGSimpleDataSource())
                .tablePrefix("Bad-Prefix"));
    }
}
