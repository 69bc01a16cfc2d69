package org.llmgine.bus.store.jdbc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.llmgine.bus.MessageBus;
import org.llmgine.bus.PublishOptions;
import org.llmgine.bus.codec.Decoded;
import org.llmgine.bus.message.Event;
import org.llmgine.bus.message.Headers;
import org.llmgine.bus.store.jdbc.ScheduledEventStoreTest.Reminder;

/** The event log on every supported database: a conversation's history, time ranges, overflow. */
final class EventLogTest {

    record Unlisted(int n) implements Event {}

    static final Instant T0 = Instant.parse("2026-12-01T06:00:00Z");
    static final Duration WAIT = Duration.ofSeconds(10);

    @ParameterizedTest
    @EnumSource(TestDatabase.class)
    void everyAcceptedEvent_isLogged_andQueriedBySessionAndTime(TestDatabase kind) throws Exception {
        try (var db = kind.open()) {
            var clock = new ManualClock(T0);
            JdbcStores stores = JdbcStores.builder(db.dataSource()).codec(ScheduledEventStoreTest.CODEC).build();
            JdbcEventLog log = stores.eventLog().batchSize(3).build();
            try (MessageBus bus = MessageBus.builder().name("logged").clock(clock).addObserver(log).start()) {
                bus.registerEventHandler(Reminder.class, (r, ctx) -> { });
                var chat = bus.openSession("chat-1");
                for (int i = 0; i < 5; i++) {
                    chat.publish(new Reminder("in chat", i), PublishOptions.defaults().withHeader("turn", "" + i));
                    clock.advance(Duration.ofSeconds(1));
                }
                bus.publish(new Reminder("bus scope", 9));
                bus.publish(new Unlisted(1));
                assertTrue(log.awaitWritten(WAIT));
            }
            List<LoggedEvent> history = log.bySession("chat-1", 100);
            assertEquals(5, history.size());
            for (int i = 0; i < 5; i++) {
                LoggedEvent e = history.get(i);
                assertEquals(new Reminder("in chat", i), e.event().orThrow());
                assertEquals("chat-1", e.sessionId());
                assertEquals(Headers.of("turn", "" + i), e.headers());
                assertEquals(T0.plusSeconds(i), e.acceptedAt());
                assertEquals("logged", e.busName());
                assertEquals("test.Reminder", e.typeId());
            }
            assertEquals(List.of(1, 2), log.between(T0.plusSeconds(1), T0.plusSeconds(3), 100).stream()
                    .map(e -> ((Reminder) e.event().orThrow()).n()).toList(), "from inclusive, to exclusive");
            List<LoggedEvent> late = log.between(T0.plusSeconds(5), T0.plusSeconds(6), 100);
            assertEquals(2, late.size(), "the bus-scope event and the unregistered one");
            LoggedEvent unlisted = late.stream().filter(e -> e.typeId().startsWith("unregistered:")).findFirst()
                    .orElseThrow();
            assertEquals("unregistered:" + Unlisted.class.getName(), unlisted.typeId());
            assertInstanceOf(Decoded.UnknownType.class, unlisted.event());
            EventLogStats stats = log.stats();
            assertEquals(7, stats.offered());
            assertEquals(7, stats.written());
            assertEquals(1, stats.unregistered());
            assertEquals(0, stats.dropped() + stats.failed() + stats.buffered());
        }
    }

    @ParameterizedTest
    @EnumSource(value = TestDatabase.class, names = "H2")
    void aFullBuffer_dropsAndCountsInsteadOfBlockingThePublisher(TestDatabase kind) throws Exception {
        try (var db = kind.open()) {
            var stalling = new GatedDataSource(db.dataSource());
            JdbcStores stores = JdbcStores.builder(stalling).codec(ScheduledEventStoreTest.CODEC).build();
            JdbcEventLog log = stores.eventLog().bufferCapacity(4).batchSize(1).build();
            stalling.shut(); // the writer's next connection waits: the buffer fills
            try (MessageBus bus = MessageBus.builder().name("flood").addObserver(log).start()) {
                for (int i = 0; i < 50; i++) {
                    bus.publish(new Reminder("flood", i));
                }
                assertTrue(bus.awaitIdle(WAIT), "the publisher and the handlers never waited for the log");
                stalling.open();
                assertTrue(log.awaitWritten(WAIT));
            }
            EventLogStats stats = log.stats();
            assertEquals(50, stats.offered());
            assertTrue(stats.dropped() >= 50 - 4 - 1, () -> "at most the buffer and one taken batch: " + stats);
            assertEquals(50, stats.written() + stats.dropped() + stats.failed(), "every event ends in one count");
            assertEquals(stats.written(), log.between(Instant.EPOCH, Instant.now().plusSeconds(60), 100).size());
        }
    }

    @ParameterizedTest
    @EnumSource(value = TestDatabase.class, names = {"H2", "POSTGRESQL"})
    void aBatchTheDatabaseRefuses_isKeptAndWrittenOnceItIsBack_orCountedIfTheBusClosesFirst(TestDatabase kind)
            throws Exception {
        try (var db = kind.open()) {
            var flaky = new GatedDataSource(db.dataSource());
            JdbcStores stores = JdbcStores.builder(flaky).codec(ScheduledEventStoreTest.CODEC).build();
            JdbcEventLog log = stores.eventLog().build();
            try (MessageBus bus = MessageBus.builder().name("flaky").addObserver(log).start()) {
                flaky.down();
                for (int i = 0; i < 10; i++) {
                    bus.publish(new Reminder("while down", i));
                }
                assertTrue(bus.awaitIdle(WAIT));
                long deadline = System.nanoTime() + WAIT.toNanos();
                while (log.stats().refusedWrites() < 2) {
                    assertTrue(System.nanoTime() < deadline, "the writer tried and was refused twice within 10 s");
                    Thread.onSpinWait();
                }
                EventLogStats meanwhile = log.stats();
                assertEquals(0, meanwhile.failed(), "a refused batch is kept, not given up");
                assertEquals(10, meanwhile.buffered(), meanwhile::toString);
                flaky.up();
                assertTrue(log.awaitWritten(WAIT), "written once the database is back");
            }
            assertEquals(10, log.stats().written());
            assertEquals(10, log.between(Instant.EPOCH, Instant.now().plusSeconds(60), 100).size());

            JdbcEventLog second = stores.eventLog().build();
            try (MessageBus bus = MessageBus.builder().name("flaky-2").addObserver(second).start()) {
                flaky.down();
                for (int i = 0; i < 5; i++) {
                    bus.publish(new Reminder("never back", i));
                }
                assertTrue(bus.awaitIdle(WAIT));
            } // closes with the database still down
            EventLogStats lost = second.stats();
            assertEquals(5, lost.failed(), () -> "given up at close, counted: " + lost);
            assertEquals(5, lost.offered());
            assertEquals(0, lost.buffered());
        }
    }
}
