package org.llmgine.bus.resilience;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.llmgine.bus.resilience.DeadLetterFixtures.T0;
import static org.llmgine.bus.resilience.DeadLetterFixtures.WAIT;
import static org.llmgine.bus.resilience.DeadLetterFixtures.WAIT_SECONDS;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.llmgine.bus.CommandHandle;
import org.llmgine.bus.MessageBus;
import org.llmgine.bus.message.CommandResult;
import org.llmgine.bus.message.FailureCause;
import org.llmgine.bus.resilience.DeadLetterFixtures.Charge;

/**
 * A full dead letter queue never blocks or hangs the caller (the Python queue did, B-19): it
 * evicts its oldest entry or rejects the new one, counts either, and the caller gets its failure.
 */
final class DeadLetterOverflowTest {

    private final ManualClock clock = new ManualClock(T0);
    private final LinkedBlockingQueue<DeadLettered> deadLettered = new LinkedBlockingQueue<>();

    /** A bus whose Charge handler always throws, without retries, dead-lettering into {@code dlq}. */
    private MessageBus bus(DeadLetterQueue dlq) {
        var resilience = ResiliencePolicy.builder().clock(clock).commands(Charge.class, Pipeline.of())
                .deadLetterQueue(dlq).build();
        var bus = resilience.installOn(MessageBus.builder().name("full-dlq").clock(clock)).start();
        bus.subscribe(DeadLettered.class, deadLettered::add);
        bus.registerCommand(Charge.class, (cmd, ctx) -> {
            throw new IllegalStateException("declined " + cmd.item());
        });
        return bus;
    }

    /** Executes asynchronously and waits for the result with a deadline: a hang fails the test. */
    private static CommandResult<String> promptly(MessageBus bus, Charge charge) throws Exception {
        CommandHandle<String> handle = bus.executeAsync(charge);
        return handle.result().get(WAIT_SECONDS, TimeUnit.SECONDS);
    }

    private DeadLettered nextAnnouncement() throws InterruptedException {
        DeadLettered announced = deadLettered.poll(WAIT_SECONDS, TimeUnit.SECONDS);
        assertNotNull(announced, "no DeadLettered event arrived");
        return announced;
    }

    @Test
    void evictOldest_aFullQueueEvictsItsOldestEntry_andTheCallerGetsItsFailurePromptly() throws Exception {
        var dlq = DeadLetterQueue.builder().clock(clock).capacity(1).overflow(DeadLetterQueue.Overflow.EVICT_OLDEST)
                .build();
        try (var bus = bus(dlq)) {
            assertInstanceOf(CommandResult.Failure.class, promptly(bus, new Charge("first")));
            DeadLetter first = dlq.list().get(0);

            var failure = assertInstanceOf(CommandResult.Failure.class, promptly(bus, new Charge("second")));

            var threw = assertInstanceOf(FailureCause.HandlerThrew.class, failure.cause());
            assertEquals("declined second", threw.error().getMessage());
            assertEquals(1, dlq.size());
            DeadLetter second = dlq.list().get(0);
            assertEquals(new Charge("second"), second.message(), "the newest entry stays");
            assertTrue(dlq.find(first.id()).isEmpty(), "the oldest entry was evicted");
            var stats = dlq.stats();
            assertEquals(1, stats.evicted());
            assertEquals(2, stats.added());
            assertEquals(0, stats.rejected());
            assertEquals(1, stats.capacity());
            assertFalse(nextAnnouncement().evicted(), "the first entry evicted nothing");
            DeadLettered evicting = nextAnnouncement();
            assertEquals(second, evicting.entry());
            assertTrue(evicting.evicted(), "the second entry evicted the first");
        }
    }

    @Test
    void rejectNew_aFullQueueRefusesTheNewEntry_andTheCallerStillGetsItsFailurePromptly() throws Exception {
        var dlq = DeadLetterQueue.builder().clock(clock).capacity(1).overflow(DeadLetterQueue.Overflow.REJECT_NEW)
                .build();
        try (var bus = bus(dlq)) {
            assertInstanceOf(CommandResult.Failure.class, promptly(bus, new Charge("first")));
            DeadLetter first = dlq.list().get(0);

            var failure = assertInstanceOf(CommandResult.Failure.class, promptly(bus, new Charge("second")));

            var threw = assertInstanceOf(FailureCause.HandlerThrew.class, failure.cause());
            assertEquals("declined second", threw.error().getMessage(), "the caller gets its own failure");
            assertEquals(List.of(first), dlq.list(), "the old entry stays, the new one was refused");
            var stats = dlq.stats();
            assertEquals(1, stats.rejected());
            assertEquals(1, stats.added());
            assertEquals(0, stats.evicted());
            assertEquals(first, nextAnnouncement().entry());
            assertTrue(bus.awaitIdle(WAIT));
            assertTrue(deadLettered.isEmpty(), "a refused entry is not announced: " + deadLettered);
        }
    }

    @Test
    void manyConcurrentFailures_intoAQueueOfOne_allReturn_andEveryEntryButOneIsEvicted() throws Exception {
        var dlq = DeadLetterQueue.builder().clock(clock).capacity(1).build();
        int callers = 64;
        try (var bus = bus(dlq)) {
            var handles = new ArrayList<CommandHandle<String>>();
            for (int i = 0; i < callers; i++) {
                handles.add(bus.executeAsync(new Charge("item-" + i)));
            }
            for (var handle : handles) {
                assertInstanceOf(CommandResult.Failure.class, handle.result().get(WAIT_SECONDS, TimeUnit.SECONDS));
            }

            var stats = dlq.stats();
            assertEquals(1, stats.size());
            assertEquals(callers, stats.added());
            assertEquals(callers - 1, stats.evicted());
        }
    }
}
