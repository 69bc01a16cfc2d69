package org.llmgine.bus.store.jdbc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.llmgine.bus.codec.JsonCodec;
import org.llmgine.bus.message.Event;
import org.llmgine.bus.message.Headers;
import org.llmgine.bus.message.MessageId;
import org.llmgine.bus.spi.ScheduledEventStore;
import org.llmgine.bus.spi.StoredScheduledEvent;

/**
 * The conformance of every scheduled-event store (in memory, and JDBC on each database) through
 * the SPI, and what only the JDBC store does (rows it cannot read).
 */
final class ScheduledEventStoreTest {

    record Reminder(String text, int n) implements Event {}

    static final JsonCodec CODEC = JsonCodec.builder().register("test.Reminder", Reminder.class).build();
    static final Instant T0 = Instant.parse("2026-12-01T10:15:30.123456789Z");
    static final UUID ORIGIN = UUID.fromString("00000000-0000-7000-8000-000000000001");
    static final UUID A = UUID.fromString("00000000-0000-7000-8000-0000000000aa");
    static final UUID B = UUID.fromString("00000000-0000-7000-8000-0000000000bb");

    static MessageId id(long n) {
        return new MessageId(ORIGIN, MessageId.Kind.SCHEDULED, n);
    }

    static StoredScheduledEvent entry(long n, String session, Duration dueIn) {
        return new StoredScheduledEvent(id(n), new Reminder("r" + n, (int) n), session, T0.plus(dueIn),
                Headers.of("trace", "t-" + n), 50 + (int) (n % 50));
    }

    /** The SPI leaves the order of a listing open (a bus sorts what it loads): compare in due order. */
    static List<StoredScheduledEvent> byDue(List<StoredScheduledEvent> entries) {
        return entries.stream().sorted(java.util.Comparator.comparing(StoredScheduledEvent::dueAt)).toList();
    }

    static JdbcScheduledEventStore store(TestDatabase.Open db) throws SQLException {
        return JdbcStores.builder(db.dataSource()).codec(CODEC).build().scheduledEvents();
    }

    @ParameterizedTest
    @EnumSource(StoreTarget.class)
    void entries_roundTripExactly_andAreListedByIdAndSession(StoreTarget kind) throws Exception {
        try (var stores = kind.open(CODEC)) {
            ScheduledEventStore store = stores.scheduledEvents();
            StoredScheduledEvent a = entry(1, "chat-1", Duration.ofMinutes(5));
            StoredScheduledEvent b = entry(2, null, Duration.ofMinutes(1));
            StoredScheduledEvent c = entry(3, "chat-1", Duration.ofMinutes(2));
            store.add(a);
            store.add(b);
            store.add(c);

            assertEquals(List.of(b, c, a), byDue(store.pending()), "every entry, field for field");
            assertEquals(Optional.of(a), store.find(a.id()));
            assertEquals(Optional.empty(), store.find(id(99)));
            assertEquals(List.of(c, a), byDue(store.bySession("chat-1")));
            assertEquals(List.of(), store.bySession("chat-2"));
            assertThrows(Exception.class, () -> store.add(a), "an id is stored once");
        }
    }

    @ParameterizedTest
    @EnumSource(StoreTarget.class)
    void aClaim_isHeldUntilItsLeaseLapses_renewedByItsHolder_andCompleteOrCancelRemoveTheEntry(StoreTarget kind) throws Exception {
        try (var stores = kind.open(CODEC)) {
            ScheduledEventStore store = stores.scheduledEvents();
            StoredScheduledEvent e = entry(1, null, Duration.ZERO);
            store.add(e);
            Instant lease = T0.plusSeconds(30);

            assertTrue(store.claim(e.id(), A, T0, lease), "unclaimed: A takes it");
            assertFalse(store.claim(e.id(), B, T0.plusSeconds(29), T0.plusSeconds(59)), "held by A: B is refused");
            assertTrue(store.claim(e.id(), A, T0.plusSeconds(10), lease), "A again: still A's");
            assertTrue(store.claim(e.id(), A, T0.plusSeconds(20), T0.plusSeconds(50)), "A renews its claim to 50 s");
            assertFalse(store.claim(e.id(), B, T0.plusSeconds(40), T0.plusSeconds(70)),
                    "past the first lease, within the renewed one: B is refused");
            assertTrue(store.claim(e.id(), B, T0.plusSeconds(51), T0.plusSeconds(81)), "A's renewed lease lapsed: B takes it");
            assertFalse(store.claim(e.id(), A, T0.plusSeconds(60), T0.plusSeconds(90)), "now B's");

            store.complete(e.id());
            assertEquals(List.of(), store.pending());
            assertFalse(store.claim(e.id(), A, T0.plusSeconds(100), T0.plusSeconds(130)), "gone: nothing to claim");

            StoredScheduledEvent f = entry(2, null, Duration.ZERO);
            store.add(f);
            assertTrue(store.cancel(f.id()));
            assertFalse(store.cancel(f.id()), "cancelled once");
        }
    }

    @ParameterizedTest
    @EnumSource(StoreTarget.class)
    void claimDue_takesDueUnheldEntriesInDueOrder_upToTheLimit(StoreTarget kind) throws Exception {
        try (var stores = kind.open(CODEC)) {
            ScheduledEventStore store = stores.scheduledEvents();
            for (long n = 1; n <= 6; n++) {
                store.add(entry(n, null, Duration.ofSeconds(n)));
            }
            store.claim(id(2), B, T0, T0.plusSeconds(60)); // held by B

            List<StoredScheduledEvent> first = store.claimDue(A, T0.plusSeconds(4), T0.plusSeconds(30), 2);
            assertEquals(List.of(id(1), id(3)), first.stream().map(StoredScheduledEvent::id).toList(),
                    "due, not held by another, oldest first, at most 2");
            List<StoredScheduledEvent> second = store.claimDue(A, T0.plusSeconds(4), T0.plusSeconds(30), 10);
            assertEquals(List.of(id(4)), second.stream().map(StoredScheduledEvent::id).toList(),
                    "what A holds already is not claimed again; 5 and 6 are not due");
            assertEquals(List.of(id(2)), store.claimDue(A, T0.plusSeconds(61), T0.plusSeconds(90), 10).stream()
                    .map(StoredScheduledEvent::id).filter(i -> i.equals(id(2))).toList(),
                    "B's lease lapsed: A takes 2");
            assertThrows(IllegalArgumentException.class, () -> store.claimDue(A, T0, T0, 0));
        }
    }

    @ParameterizedTest
    @EnumSource(StoreTarget.class)
    void concurrentBatchClaims_neverTakeTheSameEntryTwice(StoreTarget kind) throws Exception {
        try (var stores = kind.open(CODEC)) {
            ScheduledEventStore store = stores.scheduledEvents();
            int entries = 200;
            for (long n = 1; n <= entries; n++) {
                store.add(entry(n, null, Duration.ZERO));
            }
            ExecutorService pool = Executors.newFixedThreadPool(4);
            try {
                List<Future<List<MessageId>>> claims = new ArrayList<>();
                var claimed = new java.util.concurrent.atomic.AtomicInteger();
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                for (int w = 0; w < 4; w++) {
                    UUID owner = new UUID(1, w);
                    Callable<List<MessageId>> claimer = () -> {
                        List<MessageId> mine = new ArrayList<>();
                        // an empty batch means only "nothing claimable for me now": rows another
                        // claimer's open transaction holds are skipped (MariaDB's SKIP LOCKED skips
                        // every row the other claim's scan locked), so stop once all are claimed
                        while (claimed.get() < entries && System.nanoTime() < deadline) {
                            List<StoredScheduledEvent> batch = store.claimDue(owner, T0, T0.plusSeconds(60), 7);
                            batch.forEach(e -> mine.add(e.id()));
                            claimed.addAndGet(batch.size());
                        }
                        return mine;
                    };
                    claims.add(pool.submit(claimer));
                }
                Set<MessageId> all = new HashSet<>();
                int total = 0;
                for (Future<List<MessageId>> f : claims) {
                    List<MessageId> got = f.get(60, TimeUnit.SECONDS);
                    total += got.size();
                    all.addAll(got);
                }
                assertEquals(entries, total, "every entry claimed once in all");
                assertEquals(entries, all.size(), "no entry claimed by two claimers");
            } finally {
                pool.shutdownNow();
            }
        }
    }

    @ParameterizedTest
    @EnumSource(TestDatabase.class)
    void aRowThatDoesNotRead_isKeptAndReported_neverReturnedOrDeleted(TestDatabase kind) throws Exception {
        try (var db = kind.open()) {
            var store = store(db);
            store.add(entry(1, "chat-1", Duration.ZERO));
            try (Connection c = db.dataSource().getConnection(); PreparedStatement s = c.prepareStatement(
                    "INSERT INTO llmgine_scheduled_events (id, session_id, type_id, payload, headers, priority,"
                            + " due_at_ns, created_at_ns) VALUES (?, ?, ?, ?, ?, ?, ?, ?)")) {
                for (Object[] row : new Object[][] {
                    {id(2), "test.Renamed", "{\"text\":\"x\",\"n\":1}"},
                    {id(3), "test.Reminder", "{\"text\":"}}) {
                    s.setString(1, row[0].toString());
                    s.setString(2, "chat-1");
                    s.setString(3, (String) row[1]);
                    s.setString(4, (String) row[2]);
                    s.setString(5, "{}");
                    s.setInt(6, 50);
                    s.setLong(7, 0);
                    s.setLong(8, 0);
                    s.executeUpdate();
                }
            }

            assertEquals(List.of(id(1)), store.pending().stream().map(StoredScheduledEvent::id).toList());
            assertEquals(List.of(id(1)), store.bySession("chat-1").stream().map(StoredScheduledEvent::id).toList());
            List<UnreadableRow> bad = store.unreadable();
            assertEquals(Set.of(id(2).toString(), id(3).toString()),
                    Set.copyOf(bad.stream().map(UnreadableRow::id).toList()));
            assertTrue(bad.stream().anyMatch(r -> r.reason().contains("test.Renamed")), bad::toString);
            try (Connection c = db.dataSource().getConnection(); var s = c.createStatement();
                    var r = s.executeQuery("SELECT COUNT(*) FROM llmgine_scheduled_events")) {
                r.next();
                assertEquals(3, r.getInt(1), "the unreadable rows stay in the table");
            }
        }
    }
}
