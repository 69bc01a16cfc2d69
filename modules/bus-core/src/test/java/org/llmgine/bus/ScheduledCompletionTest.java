package org.llmgine.bus;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.llmgine.bus.message.Event;
import org.llmgine.bus.spi.InMemoryScheduledEventStore;
import org.llmgine.bus.spi.StoredScheduledEvent;

/**
 * A fired entry leaves its store only once its handlers ran: a crash between the event's
 * acceptance and its handlers' end leaves it pending, so the next bus fires it again; an event cut
 * by close stays in the store too, and fires on the next bus once its claim lapses.
 */
final class ScheduledCompletionTest {

    private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

    record Reminder(String text) implements Event {}

    @Test
    void aFiredEntry_staysInTheStoreUntilItsHandlerFinished() throws Exception {
        var clock = new ManualClock(T0);
        var store = new InMemoryScheduledEventStore();
        var running = new CountDownLatch(1);
        var release = new CountDownLatch(1);
        try (MessageBus bus = MessageBus.builder().name("completion").clock(clock).scheduledEventStore(store).start()) {
            bus.registerEventHandler(Reminder.class, (r, ctx) -> {
                running.countDown();
                assertTrue(release.await(10, TimeUnit.SECONDS));
            });
            bus.schedule(new Reminder("stand up"), Duration.ofMinutes(1));
            clock.advance(Duration.ofMinutes(1));
            assertTrue(running.await(10, TimeUnit.SECONDS), "the handler started");
            assertEquals(1, store.pending().size(), "fired and accepted, but not handled yet: still in the store");
            release.countDown();
            assertTrue(bus.awaitIdle(Duration.ofSeconds(10)));
            assertEquals(List.of(), store.pending(), "handled: completed (an idle bus has completed it)");
        }
    }

    @Test
    void anEntryWhoseHandlerCloseCut_staysForTheNextBus() throws Exception {
        var clock = new ManualClock(T0);
        var store = new InMemoryScheduledEventStore();
        var running = new CountDownLatch(1);
        MessageBus bus = MessageBus.builder().name("cut").clock(clock).scheduledEventStore(store).start();
        bus.registerEventHandler(Reminder.class, (r, ctx) -> {
            running.countDown();
            new CountDownLatch(1).await(); // until close interrupts it
        });
        bus.schedule(new Reminder("never finishes"), Duration.ofMinutes(1));
        clock.advance(Duration.ofMinutes(1));
        assertTrue(running.await(10, TimeUnit.SECONDS));
        CloseReport report = bus.close(Duration.ofMillis(50));
        assertEquals(1, report.cancelled().size(), "close cut the handler");
        List<StoredScheduledEvent> left = store.pending();
        assertEquals(1, left.size(), "it stays in the store");

        var seen = new CountDownLatch(1);
        try (MessageBus next = MessageBus.builder().name("next").clock(clock).scheduledEventStore(store).start()) {
            next.registerEventHandler(Reminder.class, (r, ctx) -> seen.countDown());
            var scheduled = next.stats().scheduled();
            assertEquals(1, scheduled.pending() + scheduled.stored(),
                    "loaded: pending, or (once its timer looked) left to the claim it has");
            assertEquals(1, seen.getCount(), "not fired while the first bus's claim holds");
            // the first bus's claim on it (it was firing) holds for its lease: another instance
            // could still be handling it
            clock.advance(Duration.ofMinutes(5).plusSeconds(1));
            assertTrue(seen.await(10, TimeUnit.SECONDS), "the next bus fires it again once the claim lapsed");
            assertTrue(next.awaitIdle(Duration.ofSeconds(10)));
        }
        assertEquals(List.of(), store.pending());
    }
}
