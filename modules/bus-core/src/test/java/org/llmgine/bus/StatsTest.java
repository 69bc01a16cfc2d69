package org.llmgine.bus;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.llmgine.bus.filter.Filters;
import org.llmgine.bus.message.Command;
import org.llmgine.bus.message.Event;

/** Every field of {@link BusStats} after a scripted run whose outcome is known exactly. */
final class StatsTest {

    record Work(int n) implements Event {}

    record Noise() implements Event {}

    record Ask() implements Command<String> {}

    @Test
    void stats_countEveryOutcome() throws Exception {
        var gate = new CountDownLatch(1);
        var busy = new CountDownLatch(1);
        var bus = MessageBus.builder().name("stats").queueCapacity(3).overflowStrategy(OverflowStrategy.REJECT_NEW)
                .addFilter(Filters.excludeTypes(Noise.class)).build();
        assertFalse(bus.stats().running());
        assertEquals(BusState.NEW, bus.stats().state());
        bus.subscribe(Work.class, w -> {
            if (w.n() == 0) {
                busy.countDown();
                gate.await();
            }
            if (w.n() == 2) {
                throw new IllegalStateException("fails");
            }
        });
        bus.registerCommand(Ask.class, (c, ctx) -> "ok");
        bus.start();
        Session session = bus.openSession("s");
        session.subscribe(Work.class, w -> { });

        bus.publish(new Work(0));                       // accepted, holds its slot until the gate opens
        assertTrue(busy.await(5, TimeUnit.SECONDS));
        bus.publish(new Work(1));                       // accepted
        bus.publish(new Work(2));                       // accepted, its handler fails
        bus.publish(new Work(3));                       // rejected: capacity 3
        bus.publish(new Noise());                       // filtered
        BusStats during = bus.stats();
        assertTrue(during.running());
        assertEquals(3, during.queue().size());
        assertEquals(3, during.queue().capacity());
        gate.countDown();
        bus.execute(new Ask());                         // command ok
        bus.execute(new Command<Integer>() { });        // command without handler: failed
        assertTrue(bus.awaitIdle(Duration.ofSeconds(5)));

        BusStats stats = bus.stats();
        assertEquals("stats", stats.name());
        assertEquals(0, stats.queue().size());
        assertEquals(5, stats.events().published());
        assertEquals(3, stats.events().accepted());
        assertEquals(1, stats.events().rejected());
        assertEquals(0, stats.events().lifecycleRejected());
        assertEquals(1, stats.events().filtered());
        assertEquals(3, stats.events().delivered());
        assertEquals(0, stats.events().cancelled());
        assertEquals(0, stats.events().returned());
        assertEquals(1, stats.events().handlerFailures());
        assertEquals(2, stats.commands().executed());
        assertEquals(1, stats.commands().failed());
        assertEquals(1, stats.sessions().active());
        assertEquals(3, stats.sessions().registeredHandlers());

        session.close();
        assertEquals(0, bus.stats().sessions().active());
        assertEquals(2, bus.stats().sessions().registeredHandlers());
        bus.close();
        assertEquals(BusState.CLOSED, bus.stats().state());
        assertEquals(0, bus.stats().sessions().registeredHandlers());
    }
}
