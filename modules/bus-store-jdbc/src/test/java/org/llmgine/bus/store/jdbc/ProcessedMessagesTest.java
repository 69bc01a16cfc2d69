package org.llmgine.bus.store.jdbc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.llmgine.bus.codec.JsonCodec;

/** The durable dedup table on every database: recorded once per group, concurrently too, and purged by age. */
final class ProcessedMessagesTest {

    private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

    @ParameterizedTest
    @EnumSource(TestDatabase.class)
    void aMessageIsRecordedOncePerGroup_andPurgedByAge(TestDatabase kind) throws Exception {
        try (var db = kind.open()) {
            var clock = new ManualClock(T0);
            JdbcProcessedMessages processed = JdbcStores.builder(db.dataSource()).codec(JsonCodec.builder().build())
                    .clock(clock).build().processedMessages();
            assertFalse(processed.contains("workers", "m-1"));
            assertTrue(processed.record("workers", "m-1"), "the first record writes the row");
            assertFalse(processed.record("workers", "m-1"), "a second record finds it there");
            assertTrue(processed.contains("workers", "m-1"));
            assertFalse(processed.contains("audit", "m-1"), "groups are apart");
            assertTrue(processed.record("audit", "m-1"));
            clock.advance(Duration.ofHours(2));
            assertTrue(processed.record("workers", "m-2"));
            assertEquals(2, processed.purgeBefore(T0.plus(Duration.ofHours(1))));
            assertFalse(processed.contains("workers", "m-1"));
            assertTrue(processed.contains("workers", "m-2"));
        }
    }

    @ParameterizedTest
    @EnumSource(TestDatabase.class)
    void concurrentRecordsOfOneMessage_writeItOnce(TestDatabase kind) throws Exception {
        try (var db = kind.open()) {
            JdbcProcessedMessages processed = JdbcStores.builder(db.dataSource()).codec(JsonCodec.builder().build())
                    .build().processedMessages();
            ExecutorService threads = Executors.newFixedThreadPool(4);
            try {
                for (int m = 0; m < 20; m++) {
                    String id = "m-" + m;
                    List<Future<Boolean>> racers = new ArrayList<>();
                    for (int t = 0; t < 4; t++) {
                        racers.add(threads.submit(() -> processed.record("workers", id)));
                    }
                    int wrote = 0;
                    for (Future<Boolean> racer : racers) {
                        wrote += racer.get(30, TimeUnit.SECONDS) ? 1 : 0;
                    }
                    assertEquals(1, wrote, id + " written by exactly one of four racers");
                }
            } finally {
                threads.shutdownNow();
            }
        }
    }
}
