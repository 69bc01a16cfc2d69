package org.llmgine.bus;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.booleans;
import static org.quicktheories.generators.SourceDSL.integers;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.llmgine.bus.filter.EventFilter;
import org.llmgine.bus.message.Event;
import org.llmgine.bus.message.Headers;
import org.llmgine.bus.spi.BusObserver;
import org.llmgine.bus.spi.MessageView;
import org.quicktheories.core.Gen;

/**
 * Conservation: every published event ends in exactly one counted state, and the queue never holds
 * more than its capacity, under every overflow strategy, random capacities, publishers, filters,
 * handler speeds and failures, and with close cutting the run short.
 */
final class ConservationPropertiesTest {

    record Job(int publisher, int seq) implements Event {}

    record Run(OverflowStrategy strategy, int capacity, int publishers, int perPublisher, int filterEvery,
            int failEvery, int slowEvery, boolean closeEarly) {
    }

    private static Gen<Run> runs() {
        Gen<OverflowStrategy> strategies = integers().between(0, OverflowStrategy.values().length - 1)
                .map(i -> OverflowStrategy.values()[i]);
        return strategies.zip(integers().between(1, 16), integers().between(1, 4), integers().between(1, 150),
                (strategy, capacity, publishers, perPublisher) -> new int[] {strategy.ordinal(), capacity, publishers,
                        perPublisher})
                .zip(integers().between(0, 5), integers().between(0, 7), integers().between(0, 9), booleans().all(),
                        (p, filterEvery, failEvery, slowEvery, closeEarly) -> new Run(OverflowStrategy.values()[p[0]],
                                p[1], p[2], p[3], filterEvery, failEvery, slowEvery, closeEarly));
    }

    /** Tracks the largest queue size any acceptance reported. */
    static final class MaxQueue implements BusObserver {
        final AtomicInteger max = new AtomicInteger();
        final AtomicInteger dropped = new AtomicInteger();

        @Override
        public void onDropped(MessageView view) {
            dropped.incrementAndGet();
        }

        @Override
        public void onAccepted(MessageView type, int queueSize) {
            max.accumulateAndGet(queueSize, Math::max);
        }
    }

    @Test
    void everyPublishedEventEndsInExactlyOneCountedState_andTheQueueStaysWithinCapacity() {
        qt().withExamples(60).withShrinkCycles(20).forAll(runs()).checkAssert(ConservationPropertiesTest::run);
    }

    private static void run(Run run) {
        var maxQueue = new MaxQueue();
        var accepted = new AtomicLong();
        var filtered = new AtomicLong();
        var rejected = new AtomicLong();
        var handled = new AtomicLong();
        EventFilter filter = (event, session, headers) -> run.filterEvery() == 0 || ((Job) event).seq() % run.filterEvery() != 0;
        var bus = MessageBus.builder().name("prop-conservation").queueCapacity(run.capacity())
                .overflowStrategy(run.strategy()).publishTimeout(Duration.ofMillis(1)).adaptiveMaxDelay(Duration.ofNanos(20_000))
                .addFilter(filter)
                .addObserver(maxQueue).start();
        bus.subscribe(Job.class, job -> {
            handled.incrementAndGet();
            if (run.slowEvery() > 0 && job.seq() % run.slowEvery() == 0) {
                LockSupport.parkNanos(50_000);
            }
            if (run.failEvery() > 0 && job.seq() % run.failEvery() == 0) {
                throw new IllegalStateException("chaos " + job);
            }
        });
        DeliveryPropertiesTest.runConcurrently(run.publishers(), p -> {
            try (var session = bus.openSession("p" + p)) {
                for (int i = 0; i < run.perPublisher(); i++) {
                    PublishOutcome outcome = (i % 3 == 0 ? bus : session).publish(new Job(p, i));
                    switch (outcome) {
                        case PublishOutcome.Accepted a -> accepted.incrementAndGet();
                        case PublishOutcome.Filtered f -> filtered.incrementAndGet();
                        case PublishOutcome.Rejected r -> rejected.incrementAndGet();
                    }
                }
                if (run.closeEarly()) {
                    return; // leave the session's events to close(), which may cut them short
                }
            }
        });
        CloseReport report;
        if (run.closeEarly()) {
            report = bus.close(Duration.ofMillis(1));
        } else {
            try {
                assertTrue(bus.awaitIdle(Duration.ofSeconds(30)));
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
            report = bus.close(Duration.ofSeconds(10));
            assertTrue(report.clean(), report.toString());
        }

        BusStats stats = bus.stats();
        long published = (long) run.publishers() * run.perPublisher();
        assertEquals(published, stats.events().published());
        assertEquals(stats.events().published(), stats.events().filtered() + stats.events().rejected() + stats.events().accepted(), stats.toString());
        assertEquals(stats.events().accepted(), stats.events().delivered() + stats.events().cancelled() + stats.events().returned() + stats.events().dropped(),
                stats.toString());
        assertEquals(maxQueue.dropped.get(), stats.events().dropped(), "every drop reached the observer hook");
        if (run.strategy() != OverflowStrategy.DROP_OLDEST) {
            assertEquals(0, stats.events().dropped());
        }
        assertEquals(0, stats.queue().size());
        assertEquals(accepted.get(), stats.events().accepted(), "outcomes seen by publishers vs stats");
        assertEquals(filtered.get(), stats.events().filtered());
        assertEquals(rejected.get(), stats.events().rejected());
        assertEquals(report.returned().size(), stats.events().returned());
        assertEquals(report.cancelled().size(), stats.events().cancelled());
        assertTrue(maxQueue.max.get() <= run.capacity(), "queue held " + maxQueue.max.get() + " > " + run.capacity());
        assertTrue(handled.get() >= stats.events().delivered() && handled.get() <= stats.events().delivered() + stats.events().cancelled(),
                "handler ran " + handled.get() + " times for " + stats);
    }
}
