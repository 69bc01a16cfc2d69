package org.llmgine.bus.resilience;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.llmgine.bus.resilience.DeadLetterFixtures.T0;
import static org.llmgine.bus.resilience.DeadLetterFixtures.WAIT;
import static org.llmgine.bus.resilience.DeadLetterFixtures.exact;

import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.llmgine.bus.MessageBus;
import org.llmgine.bus.message.CommandResult;
import org.llmgine.bus.message.FailureCause;
import org.llmgine.bus.message.Headers;
import org.llmgine.bus.message.MessageId;
import org.llmgine.bus.resilience.DeadLetterFixtures.Charge;
import org.llmgine.bus.resilience.DeadLetterFixtures.Driver;
import org.llmgine.bus.resilience.DeadLetterFixtures.Refund;

/**
 * Entries are written through the queue's {@link DeadLetterStore}: a new queue built on the same
 * store (after a restart, say) lists the same entries in the same order, and replays, purges and
 * evictions reach the store.
 */
final class DeadLetterStoreTest {

    private final ManualClock clock = new ManualClock(T0);
    private final Driver driver = new Driver(clock);
    private final InMemoryDeadLetterStore store = new InMemoryDeadLetterStore();
    /** The handlers fail while this is true. */
    private volatile boolean broken = true;
    private final AtomicInteger runs = new AtomicInteger();

    /**
     * A bus whose Charge (retried twice) and Refund (not retried) handlers fail while
     * {@link #broken}, dead-lettering into {@code dlq}.
     */
    private MessageBus bus(DeadLetterQueue dlq) {
        var resilience = ResiliencePolicy.builder().clock(clock)
                .commands(Charge.class, Pipeline.builder().clock(clock).retry(exact(2)).build())
                .commands(Refund.class, Pipeline.of()).deadLetterQueue(dlq).build();
        var bus = resilience.installOn(MessageBus.builder().name("stored").clock(clock)).start();
        bus.registerCommand(Charge.class, (cmd, ctx) -> {
            driver.mark();
            runs.incrementAndGet();
            if (broken) {
                throw new IllegalStateException("declined " + cmd.item());
            }
            return "charged " + cmd.item();
        });
        bus.registerCommand(Refund.class, (cmd, ctx) -> {
            if (broken) {
                throw new IllegalStateException("refused " + cmd.item());
            }
            return "refunded " + cmd.item();
        });
        return bus;
    }

    private DeadLetterQueue queueOnTheStore() {
        return DeadLetterQueue.builder().clock(clock).store(store).build();
    }

    private void refundFails(MessageBus bus, String item) {
        assertInstanceOf(CommandResult.Failure.class, bus.execute(new Refund(item), WAIT));
    }

    @Test
    void aNewQueueOnTheSameStore_listsTheSameEntriesInTheSameOrder() throws Exception {
        var dlq = queueOnTheStore();
        try (var bus = bus(dlq)) {
            for (String item : List.of("a", "b", "c", "d")) {
                refundFails(bus, item);
                clock.advance(Duration.ofSeconds(1));
            }
            assertTrue(dlq.purge(dlq.list().get(1).id()));
        }
        assertEquals(3, dlq.size());

        var reopened = queueOnTheStore();

        assertEquals(dlq.list(), reopened.list());
        assertEquals(dlq.list(), store.pending(), "the store holds what the queue holds");
    }

    @Test
    void aReplayThroughTheReopenedQueue_completesTheEntryInTheStore() throws Exception {
        try (var bus = bus(queueOnTheStore())) {
            refundFails(bus, "a");
            refundFails(bus, "b");
        }
        var reopened = queueOnTheStore();
        DeadLetter first = reopened.list().get(0);
        broken = false;

        var bus = bus(reopened); // the new bus the reopened queue replays through
        try {
            var replayed = assertInstanceOf(ReplayResult.Replayed.class, reopened.replay(first.id()));
            assertEquals("refunded a", replayed.result().orThrow());
        } finally {
            bus.close();
        }

        assertTrue(store.find(first.id()).isEmpty(), "a replayed entry is completed in the store");
        assertEquals(reopened.list(), queueOnTheStore().list());
        assertEquals(List.of(new Refund("b")), queueOnTheStore().list().stream().map(DeadLetter::message).toList());
    }

    @Test
    void evictedAndPurgedEntries_leaveTheStore() throws Exception {
        var dlq = DeadLetterQueue.builder().clock(clock).store(store).capacity(2).build();
        try (var bus = bus(dlq)) {
            for (String item : List.of("a", "b", "c")) {
                refundFails(bus, item);
            }
            assertEquals(1, dlq.stats().evicted());
            assertEquals(dlq.list(), store.pending(), "the evicted entry left the store");
            assertEquals(2, dlq.purgeAll());
            assertEquals(List.of(), store.pending(), "purged entries left the store");
            assertEquals(0, dlq.stats().storeFailures());
        }
    }

    @Test
    void aReplayThatStillFails_keepsTheEntrysPlace_inTheReopenedQueue() throws Exception {
        var dlq = queueOnTheStore();
        try (var bus = bus(dlq)) {
            refundFails(bus, "a");
            refundFails(bus, "b");
            assertInstanceOf(ReplayResult.StillFailing.class, dlq.replay(dlq.list().get(0).id()));
            assertEquals(List.of(new Refund("a"), new Refund("b")), dlq.list().stream().map(DeadLetter::message).toList());
        }

        assertEquals(dlq.list(), queueOnTheStore().list());
    }

    /**
     * A message that began failing earlier but gave up later (its retries took longer) arrives in
     * the queue later: the reopened queue must keep the arrival order, not the first failures'.
     */
    @Test
    void aNewQueueOnTheSameStore_keepsArrivalOrder_whenAnEarlierFirstFailureArrivedLater() throws Exception {
        var dlq = queueOnTheStore();
        try (var bus = bus(dlq)) {
            // the charge fails at T0 and waits 10 ms before its second attempt
            var charge = bus.executeAsync(new Charge("slow"));
            driver.untilWaiting("the charge's first attempt failed and its backoff began");
            assertEquals(1, runs.get());
            clock.advance(Duration.ofMillis(5));
            refundFails(bus, "fast"); // fails at T0 + 5 ms and arrives first
            assertInstanceOf(CommandResult.Failure.class, driver.complete(charge.result(), "the charge gave up"));
            assertEquals(List.of(new Refund("fast"), new Charge("slow")),
                    dlq.list().stream().map(DeadLetter::message).toList(), "arrival order");
        }

        assertEquals(dlq.list(), queueOnTheStore().list(), "the reopened queue lists them in arrival order");
    }

    /**
     * Entries a reopened queue adds are numbered from 1 again under its own origin: with the same
     * first-failure instant they must still come after the entries it read from the store.
     */
    @Test
    void entriesAddedAfterReopening_comeAfterTheStoredOnes_inTheNextReopenedQueue() {
        var cause = new FailureCause.HandlerThrew(new IllegalStateException("declined"));
        var first = queueOnTheStore();
        for (String item : List.of("a", "b", "c")) {
            first.add(new Refund(item), new MessageId(UUID.randomUUID(), MessageId.Kind.COMMAND, 1), null,
                    Headers.empty(), 0, null, cause, 1, clock.instant(), null);
        }
        var second = queueOnTheStore();
        second.add(new Refund("d"), new MessageId(UUID.randomUUID(), MessageId.Kind.COMMAND, 1), null,
                Headers.empty(), 0, null, cause, 1, clock.instant(), null);
        assertEquals(List.of("a", "b", "c", "d"), items(second.list()), "arrival order in the second queue");

        var third = queueOnTheStore();

        assertEquals(second.list(), third.list(), "the third queue keeps the order: " + items(third.list()));
        assertFalse(third.list().isEmpty());
    }

    private static List<String> items(List<DeadLetter> entries) {
        return entries.stream().map(entry -> ((Refund) entry.message()).item()).toList();
    }
}
