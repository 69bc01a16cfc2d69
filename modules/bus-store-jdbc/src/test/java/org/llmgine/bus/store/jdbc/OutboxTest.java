package org.llmgine.bus.store.jdbc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.llmgine.bus.message.Headers;
import org.llmgine.bus.message.MessageId;
import org.llmgine.bus.store.jdbc.ScheduledEventStoreTest.Reminder;

/** The outbox on every supported database: claims, leases, attempts, abandonment and resubmission. */
final class OutboxTest {

    static final Instant T0 = Instant.parse("2026-12-01T08:00:00Z");
    static final UUID ORIGIN = UUID.fromString("00000000-0000-7000-8000-000000000002");
    static final UUID A = UUID.fromString("00000000-0000-7000-8000-0000000000aa");
    static final UUID B = UUID.fromString("00000000-0000-7000-8000-0000000000bb");

    static MessageId id(long n) {
        return new MessageId(ORIGIN, MessageId.Kind.EVENT, n);
    }

    static OutboxEntry entry(long n, String session) {
        return OutboxEntry.of(id(n), new Reminder("e" + n, (int) n), session, Headers.of("trace", "t" + n), "chat-events",
                session, T0.minusSeconds(10).plusMillis(n));
    }

    static JdbcOutbox outbox(TestDatabase.Open db, int maxAttempts) throws Exception {
        var clock = new ManualClock(T0);
        return JdbcStores.builder(db.dataSource()).codec(ScheduledEventStoreTest.CODEC).clock(clock).build()
                .outbox("kafka", maxAttempts);
    }

    static List<MessageId> ids(List<OutboxEntry> entries) {
        return entries.stream().map(OutboxEntry::id).toList();
    }

    @ParameterizedTest
    @EnumSource(TestDatabase.class)
    void aBatchClaim_takesPendingRowsOldestFirst_andCountsAnAttempt(TestDatabase kind) throws Exception {
        try (var db = kind.open()) {
            var outbox = outbox(db, 3);
            for (long n = 1; n <= 5; n++) {
                outbox.add(entry(n, n % 2 == 0 ? "even" : "odd"));
            }
            List<OutboxEntry> first = outbox.claimBatch(A, T0, T0.plusSeconds(30), 3);
            assertEquals(List.of(id(1), id(2), id(3)), ids(first));
            assertTrue(first.stream().allMatch(e -> e.state() == OutboxState.IN_FLIGHT && e.attempts() == 1));
            assertEquals(entry(1, "odd").event(), first.get(0).event());
            assertEquals(Headers.of("trace", "t1"), first.get(0).headers());
            assertEquals("odd", first.get(0).key());

            assertEquals(List.of(id(4), id(5)), ids(outbox.claimBatch(B, T0, T0.plusSeconds(30), 10)),
                    "rows in flight under a live lease are not claimed again");
            assertEquals(List.of(), outbox.claimBatch(B, T0.plusSeconds(10), T0.plusSeconds(40), 10));

            outbox.complete(id(1));
            assertEquals(OutboxState.COMPLETED, outbox.find(id(1)).orElseThrow().state());
            assertEquals(List.of(id(2), id(4)), ids(outbox.bySession("even")));
            assertEquals(Map.of(OutboxState.PENDING, 0L, OutboxState.IN_FLIGHT, 4L, OutboxState.COMPLETED, 1L,
                    OutboxState.ABANDONED, 0L), outbox.counts());

            List<OutboxEntry> again = outbox.claimBatch(B, T0.plusSeconds(31), T0.plusSeconds(61), 10);
            assertEquals(List.of(id(2), id(3), id(4), id(5)), ids(again), "leases lapsed: resubmitted to B");
            assertTrue(again.stream().allMatch(e -> e.attempts() == 2));
        }
    }

    @ParameterizedTest
    @EnumSource(TestDatabase.class)
    void failedSends_comeBackAfterTheirDelay_andAreAbandonedWhenAttemptsRunOut(TestDatabase kind) throws Exception {
        try (var db = kind.open()) {
            var outbox = outbox(db, 2);
            outbox.add(entry(1, "s"));
            assertEquals(1, outbox.claimBatch(A, T0, T0.plusSeconds(30), 10).size());
            assertEquals(Optional.empty(), outbox.failed(id(1), B, "not B's", T0.plusSeconds(5)),
                    "only the holder reports");
            assertEquals(Optional.of(OutboxState.PENDING), outbox.failed(id(1), A, "broker timeout", T0.plusSeconds(5)));
            assertEquals(List.of(), outbox.claimBatch(A, T0.plusSeconds(4), T0.plusSeconds(34), 10), "not before 5 s");
            assertEquals(List.of(id(1)), ids(outbox.claimBatch(A, T0.plusSeconds(5), T0.plusSeconds(35), 10)));
            assertEquals(Optional.of(OutboxState.ABANDONED),
                    outbox.failed(id(1), A, "broker timeout again", T0.plusSeconds(10)), "2 attempts of 2: abandoned");
            assertEquals(List.of(), outbox.claimBatch(A, T0.plusSeconds(60), T0.plusSeconds(90), 10));
            OutboxEntry abandoned = outbox.abandoned().get(0);
            assertEquals("broker timeout again", abandoned.lastError());
            assertEquals(2, abandoned.attempts());

            assertTrue(outbox.resubmit(id(1)));
            assertFalse(outbox.resubmit(id(1)), "pending now, not abandoned");
            OutboxEntry back = outbox.claimBatch(B, T0.plusSeconds(61), T0.plusSeconds(91), 10).get(0);
            assertEquals(1, back.attempts(), "attempts start again");
        }
    }

    @ParameterizedTest
    @EnumSource(TestDatabase.class)
    void aSenderThatDiedOnItsLastAttempt_leavesAnAbandonedRow_andCompletedRowsArePurged(TestDatabase kind)
            throws Exception {
        try (var db = kind.open()) {
            var outbox = outbox(db, 1);
            outbox.add(entry(1, "s"));
            outbox.add(entry(2, "s"));
            assertEquals(2, outbox.claimBatch(A, T0, T0.plusSeconds(30), 10).size());
            outbox.complete(id(2));
            // A dies holding 1; its lease lapses with no attempt left
            assertEquals(List.of(), outbox.claimBatch(B, T0.plusSeconds(31), T0.plusSeconds(61), 10));
            assertEquals(List.of(id(1)), ids(outbox.abandoned()));
            assertEquals("the lease of the last attempt lapsed", outbox.abandoned().get(0).lastError());

            assertEquals(0, outbox.purgeCompleted(T0), "completed at T0 by the store's clock: not before T0");
            assertEquals(1, outbox.purgeCompleted(T0.plusSeconds(1)));
            assertEquals(Optional.empty(), outbox.find(id(2)));
            assertTrue(outbox.cancel(id(1)), "an abandoned row can be withdrawn");
        }
    }

    @ParameterizedTest
    @EnumSource(TestDatabase.class)
    void concurrentSenders_neverHoldTheSameRow(TestDatabase kind) throws Exception {
        try (var db = kind.open()) {
            var outbox = outbox(db, 5);
            int rows = 150;
            for (long n = 1; n <= rows; n++) {
                outbox.add(entry(n, "s" + n % 7));
            }
            ExecutorService pool = Executors.newFixedThreadPool(3);
            try {
                List<Future<List<MessageId>>> senders = new ArrayList<>();
                for (int w = 0; w < 3; w++) {
                    UUID owner = new UUID(2, w);
                    senders.add(pool.submit(() -> {
                        List<MessageId> sent = new ArrayList<>();
                        while (true) {
                            List<OutboxEntry> batch = outbox.claimBatch(owner, T0, T0.plusSeconds(60), 10);
                            if (batch.isEmpty()) {
                                return sent;
                            }
                            outbox.completeAll(batch.stream().map(OutboxEntry::id).toList()); // acknowledged
                            batch.forEach(e -> sent.add(e.id()));
                        }
                    }));
                }
                Set<MessageId> all = new HashSet<>();
                int total = 0;
                for (Future<List<MessageId>> f : senders) {
                    List<MessageId> sent = f.get(60, TimeUnit.SECONDS);
                    total += sent.size();
                    all.addAll(sent);
                }
                assertEquals(rows, total, "every row sent once in all");
                assertEquals(rows, all.size());
                assertEquals((long) rows, outbox.counts().get(OutboxState.COMPLETED));
            } finally {
                pool.shutdownNow();
            }
        }
    }
}
