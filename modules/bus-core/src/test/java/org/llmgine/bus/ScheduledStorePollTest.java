package org.llmgine.bus;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.llmgine.bus.message.Event;
import org.llmgine.bus.message.MessageId;
import org.llmgine.bus.spi.InMemoryScheduledEventStore;
import org.llmgine.bus.spi.ScheduledEventStore;
import org.llmgine.bus.spi.StoredScheduledEvent;

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

    /** The in-memory store, recording every claim it granted: (owner, until). */
    private static final class ClaimRecordingStore implements ScheduledEventStore {
        final InMemoryScheduledEventStore store = new InMemoryScheduledEventStore();
        final List<Map.Entry<UUID, Instant>> granted = new CopyOnWriteArrayList<>();

        @Override
        public void add(StoredScheduledEvent entry) {
            store.add(entry);
        }

        @Override
        public boolean claim(MessageId id, UUID owner, Instant now, Instant until) {
            boolean held = store.claim(id, owner, now, until);
            if (held) {
                granted.add(Map.entry(owner, until));
            }
            return held;
        }

        @Override
        public List<StoredScheduledEvent> claimDue(UUID owner, Instant now, Instant until, int limit) {
            List<StoredScheduledEvent> claimed = store.claimDue(owner, now, until, limit);
            claimed.forEach(e -> granted.add(Map.entry(owner, until)));
            return claimed;
        }

        @Override
        public void complete(MessageId id) {
            store.complete(id);
        }

        @Override
        public boolean cancel(MessageId id) {
            return store.cancel(id);
        }

        @Override
        public List<StoredScheduledEvent> pending() {
            return store.pending();
        }

        @Override
        public Optional<StoredScheduledEvent> find(MessageId id) {
            return store.find(id);
        }

        @Override
        public List<StoredScheduledEvent> bySession(String sessionId) {
            return store.bySession(sessionId);
        }

        /** Whether {@code owner} holds a claim granted to last until at least {@code until}. */
        boolean renewedTo(UUID owner, Instant until) {
            return granted.stream().anyMatch(g -> g.getKey().equals(owner) && !g.getValue().isBefore(until));
        }
    }

    /** A polling bus whose handler records the reminder and then runs until {@code release} opens. */
    private static MessageBus slow(String name, ManualClock clock, ScheduledEventStore store,
            ConcurrentHashMap<Integer, MessageBus> firedOn, List<String> twice, CountDownLatch release) {
        MessageBus bus = MessageBus.builder().name(name).clock(clock).scheduledEventStore(store)
                .scheduledStorePollInterval(Duration.ofSeconds(30)).start();
        bus.registerEventHandler(Reminder.class, (r, ctx) -> {
            MessageBus before = firedOn.putIfAbsent(r.n(), bus);
            if (before != null) {
                twice.add(r.n() + " on " + before.name() + " and " + name);
            }
            release.await(10, TimeUnit.SECONDS); // the test's deadline: a handler minutes long on the bus's clock
        });
        return bus;
    }

    @Test
    void aHandlerRunningPastTheLease_keepsItsClaimRenewed_soNoOtherInstanceFiresItAgain() throws Exception {
        var clock = new ManualClock(T0);
        var store = new ClaimRecordingStore();
        var firedOn = new ConcurrentHashMap<Integer, MessageBus>();
        List<String> twice = new CopyOnWriteArrayList<>();
        var release = new CountDownLatch(1);
        try (MessageBus a = slow("a", clock, store, firedOn, twice, release);
                MessageBus b = slow("b", clock, store, firedOn, twice, release)) {
            try (MessageBus gone = MessageBus.builder().name("gone").clock(clock).scheduledEventStore(store).start()) {
                gone.schedule(new Reminder(1), Duration.ofSeconds(10));
            }
            clock.advance(Duration.ofSeconds(30));
            awaitUntil(() -> firedOn.containsKey(1), "the entry fired by a poll");
            MessageBus holder = firedOn.get(1);
            // twelve minutes of a handler that still runs, minute by minute: more than twice the lease
            for (int minute = 1; minute <= 12; minute++) {
                clock.advance(Duration.ofMinutes(1));
                Instant renewedTo = clock.instant().plus(Duration.ofMinutes(5));
                awaitUntil(() -> store.renewedTo(holder.instanceId(), renewedTo),
                        "the holder renewing its claim to " + renewedTo + " at minute " + minute);
            }
            assertEquals(List.of(), twice, "no other instance fired the entry while its handler ran");
            assertEquals(1, store.pending().size(), "still pending: its handler has not ended");
            release.countDown();
            awaitUntil(() -> store.pending().isEmpty(), "the entry completed once its handler ended");
            assertTrue(a.awaitIdle(Duration.ofSeconds(10)) && b.awaitIdle(Duration.ofSeconds(10)));
            assertEquals(0, holder.stats().scheduled().leasesLost());
        }
        assertEquals(List.of(), twice);
    }

    @Test
    void aClaimTakenByAnotherInstanceWhileItsHandlerRuns_isCountedAsALostLease() throws Exception {
        var clock = new ManualClock(T0);
        var store = new ClaimRecordingStore();
        var firedOn = new ConcurrentHashMap<Integer, MessageBus>();
        List<String> twice = new CopyOnWriteArrayList<>();
        var release = new CountDownLatch(1);
        try (MessageBus a = slow("a", clock, store, firedOn, twice, release)) {
            try (MessageBus gone = MessageBus.builder().name("gone").clock(clock).scheduledEventStore(store).start()) {
                gone.schedule(new Reminder(1), Duration.ofSeconds(10));
            }
            clock.advance(Duration.ofSeconds(30));
            awaitUntil(() -> firedOn.containsKey(1), "the entry fired by a's poll");
            // another instance whose clock is past a's lease (a stalled) takes the claim
            var entry = store.pending().get(0);
            UUID other = UUID.fromString("00000000-0000-7000-8000-0000000000b0");
            Instant later = T0.plus(Duration.ofMinutes(6));
            assertTrue(store.claim(entry.id(), other, later, later.plus(Duration.ofMinutes(5))), "a's lease lapsed for it");
            clock.advance(Duration.ofMinutes(1)); // a's renewal finds the claim gone
            awaitUntil(() -> a.stats().scheduled().leasesLost() == 1, "a counting the lost lease");
            release.countDown();
            assertTrue(a.awaitIdle(Duration.ofSeconds(10)));
            assertEquals(0, a.stats().scheduled().storeFailures(), "a lost lease is not a store failure");
        }
    }

    @Test
    void thePollInterval_mustBePositive() {
        assertThrows(IllegalArgumentException.class,
                () -> MessageBus.builder().scheduledStorePollInterval(Duration.ZERO));
        assertThrows(IllegalArgumentException.class,
                () -> MessageBus.builder().scheduledStorePollInterval(Duration.ofSeconds(-1)));
    }
}
