package org.llmgine.bus.store.jdbc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.llmgine.bus.message.FailureCause;
import org.llmgine.bus.message.Headers;
import org.llmgine.bus.message.MessageId;
import org.llmgine.bus.resilience.DeadLetter;
import org.llmgine.bus.resilience.DeadLetterQueue;
import org.llmgine.bus.resilience.DeadLetterStore;
import org.llmgine.bus.store.jdbc.DeadLetterStoreTest.Refund;

/**
 * The conformance of every dead letter store (in memory, and JDBC on each database) through the
 * SPI: add, find, claim, complete, cancel, list by session, the queue's order and its bound.
 */
final class DeadLetterStoreConformanceTest {

    static final Instant T0 = Instant.parse("2026-12-01T05:00:00Z");
    static final UUID ORIGIN = UUID.fromString("00000000-0000-7000-8000-000000000004");

    static DeadLetter letter(long n, String session) {
        MessageId id = new MessageId(ORIGIN, MessageId.Kind.DEAD_LETTER, n);
        return new DeadLetter(id, new MessageId(ORIGIN, MessageId.Kind.COMMAND, 100 + n), new Refund("r" + n), session,
                Headers.of("n", "" + n), 50, null, new FailureCause.Rejected("no funds " + n), (int) n,
                T0.plusSeconds(n), T0.plusSeconds(n + 1), T0.plusSeconds(n + 1), null);
    }

    static List<DeadLetter> inQueueOrder(List<DeadLetter> entries) {
        return entries.stream().sorted(Comparator.comparing(DeadLetter::enqueuedAt).thenComparing(DeadLetter::id))
                .toList();
    }

    @ParameterizedTest
    @EnumSource(StoreTarget.class)
    void entries_roundTrip_andAreClaimedCompletedAndCancelledByTheSpi(StoreTarget kind) throws Exception {
        try (var stores = kind.open(DeadLetterStoreTest.CODEC)) {
            DeadLetterStore store = stores.deadLetters("refunds");
            DeadLetter a = letter(1, "chat-1");
            DeadLetter b = letter(2, null);
            DeadLetter c = letter(3, "chat-1");
            store.add(c);
            store.add(a);
            store.add(b);
            assertEquals(List.of(a, b, c), inQueueOrder(store.pending()), "every entry, field for field");
            assertEquals(List.of(a, c), inQueueOrder(store.bySession("chat-1")));
            assertEquals(Optional.of(b), store.find(b.id()));
            assertThrows(Exception.class, () -> store.add(a), "an id is stored once");

            UUID one = new UUID(4, 1);
            UUID two = new UUID(4, 2);
            assertTrue(store.claim(a.id(), one, T0, T0.plusSeconds(30)));
            assertFalse(store.claim(a.id(), two, T0.plusSeconds(29), T0.plusSeconds(59)));
            assertTrue(store.claim(a.id(), one, T0.plusSeconds(29), T0.plusSeconds(59)), "its own again");
            assertTrue(store.claim(a.id(), two, T0.plusSeconds(60), T0.plusSeconds(90)), "lapsed: taken over");

            store.complete(a.id());
            assertTrue(store.cancel(b.id()));
            assertFalse(store.cancel(b.id()));
            assertEquals(List.of(c), store.pending());
            assertFalse(store.claim(a.id(), one, T0.plusSeconds(100), T0.plusSeconds(130)), "gone: nothing to claim");
        }
    }

    @ParameterizedTest
    @EnumSource(StoreTarget.class)
    void aQueueOnTheStore_keepsItsBound_withoutDeletingWhatItCannotHold(StoreTarget kind) throws Exception {
        try (var stores = kind.open(DeadLetterStoreTest.CODEC)) {
            DeadLetterStore store = stores.deadLetters("bounded");
            for (long n = 1; n <= 3; n++) {
                store.add(letter(n, "s"));
            }
            var clock = new ManualClock(T0.plus(Duration.ofMinutes(1)));
            var small = DeadLetterQueue.builder().clock(clock).store(store).capacity(2).build();
            assertEquals(List.of(letter(1, "s").id(), letter(2, "s").id()),
                    small.list().stream().map(DeadLetter::id).toList(), "a queue of 2 loads the 2 oldest");
            assertEquals(3, store.pending().size(), "the third stays in the store (logged), never deleted");
            var larger = DeadLetterQueue.builder().clock(clock).store(stores.deadLetters("bounded")).capacity(3)
                    .build();
            assertEquals(inQueueOrder(store.pending()).stream().map(DeadLetter::id).toList(),
                    larger.list().stream().map(DeadLetter::id).toList(), "a larger queue lists all, in order");
        }
    }
}
