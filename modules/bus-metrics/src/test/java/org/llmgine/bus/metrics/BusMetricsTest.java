package org.llmgine.bus.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;
import org.llmgine.bus.MessageBus;
import org.llmgine.bus.OverflowStrategy;
import org.llmgine.bus.PublishOutcome;
import org.llmgine.bus.filter.Filters;
import org.llmgine.bus.handler.HandlerOptions;
import org.llmgine.bus.message.Command;
import org.llmgine.bus.message.CommandResult;
import org.llmgine.bus.message.Event;

/** A scripted scenario checked against exact meter values, and the meters' life with the bus. */
final class BusMetricsTest {

    private static final Duration WAIT = Duration.ofSeconds(10);

    record Ping(int n) implements Event {}

    record Ignored(int n) implements Event {}

    record AskModel(String prompt) implements Command<String> {}

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();

    /** The count of a counter or function counter. */
    private double count(String name, String... tags) {
        return countOf(registry.get(name).tags("bus", "metered").tags(tags).meter());
    }

    private static double countOf(io.micrometer.core.instrument.Meter meter) {
        for (var measurement : meter.measure()) {
            if (measurement.getStatistic() == io.micrometer.core.instrument.Statistic.COUNT) {
                return measurement.getValue();
            }
        }
        throw new AssertionError(meter.getId() + " has no count");
    }

    private double gauge(String name) {
        return registry.get(name).tags("bus", "metered").gauge().value();
    }

    @Test
    void aScriptedScenario_givesExactCounts() throws Exception {
        try (MessageBus bus = MessageBus.builder().name("metered").addObserver(BusMetrics.of(registry))
                .addFilter(Filters.excludeTypes(Ignored.class)).start()) {
            bus.registerEventHandler(Ping.class, HandlerOptions.named("ok"), (event, ctx) -> { });
            bus.registerEventHandler(Ping.class, HandlerOptions.named("failing"), (event, ctx) -> {
                if (event.n() % 2 == 0) {
                    throw new IllegalStateException("even ping " + event.n());
                }
            });
            bus.registerCommand(AskModel.class, (cmd, ctx) -> {
                if (cmd.prompt().isEmpty()) {
                    throw new IllegalArgumentException("empty prompt");
                }
                return "answer";
            });

            for (int i = 0; i < 4; i++) {
                bus.publishAndWait(new Ping(i), WAIT);
            }
            assertInstanceOf(PublishOutcome.Filtered.class, bus.publish(new Ignored(1)));
            assertEquals("answer", bus.execute(new AskModel("hi")).orThrow());
            assertEquals("answer", bus.execute(new AskModel("again")).orThrow());
            assertInstanceOf(CommandResult.Failure.class, bus.execute(new AskModel("")));
            assertTrue(bus.awaitIdle(WAIT));

            assertEquals(4, count("events.published", "type", "Ping"));
            assertEquals(4, count("events.processed", "type", "Ping"));
            assertEquals(2, count("events.failed", "type", "Ping"), "per handler invocation that threw");
            assertEquals(1, count("events.filtered"));
            assertEquals(8, registry.get("event.processing.duration").tags("type", "Ping").timer().count(),
                    "per handler invocation");
            assertEquals(3, count("commands.sent", "type", "AskModel"));
            assertEquals(2, count("commands.processed", "type", "AskModel"));
            assertEquals(1, count("commands.failed", "type", "AskModel", "cause", "HandlerThrew"));
            assertEquals(3, registry.get("command.processing.duration").tags("type", "AskModel").timer().count());
            assertEquals(bus.stats().events().handlerFailures(), count("events.failed", "type", "Ping"),
                    "the meters agree with stats()");
            assertEquals(bus.stats().commands().failed(), count("commands.failed", "type", "AskModel", "cause",
                    "HandlerThrew"));
        }
    }

    @Test
    void gaugesFollowTheBus_andEveryMeterGoesWhenItCloses() throws Exception {
        var release = new CountDownLatch(1);
        MessageBus bus = MessageBus.builder().name("metered").queueCapacity(4)
                .overflowStrategy(OverflowStrategy.REJECT_NEW).addObserver(BusMetrics.of(registry)).start();
        var handler = bus.registerEventHandler(Ping.class, (event, ctx) -> release.await());
        assertEquals(1, gauge("registered.handlers"));
        var session = bus.openSession("s1");
        assertEquals(1, gauge("active.sessions"));
        for (int i = 0; i < 6; i++) {
            bus.publish(new Ping(i));
        }
        assertEquals(4, gauge("queue.size"), "one running, three waiting: the bound");
        assertEquals(2, count("events.rejected", "reason", "QUEUE_FULL"));
        release.countDown();
        assertTrue(bus.awaitIdle(WAIT));
        assertEquals(0, gauge("queue.size"));
        session.close();
        handler.close();
        assertEquals(0, gauge("active.sessions"));
        assertEquals(0, gauge("registered.handlers"));

        bus.close();

        assertEquals(0, registry.getMeters().size(), "no meter left after close: " + registry.getMeters());
    }

    @Test
    void oneInstanceObservesOneBus_aSecondBusIsRefused_andAPrefixIsOneWord() {
        var metrics = BusMetrics.of(registry);
        try (MessageBus first = MessageBus.builder().name("first").addObserver(metrics).start();
                MessageBus second = MessageBus.builder().name("second").addObserver(metrics).start()) {
            // the bus isolates its observers, so the refusal is logged and the second bus runs unmetered
            assertTrue(registry.getMeters().stream().anyMatch(m -> first.name().equals(m.getId().getTag("bus"))));
            assertTrue(registry.getMeters().stream().noneMatch(m -> second.name().equals(m.getId().getTag("bus"))),
                    "no meter of the second bus: " + registry.getMeters());
        }
        assertThrows(IllegalArgumentException.class, () -> BusMetrics.withPrefix(registry, "a.b"));
    }

    @Test
    void aPrefix_isPutBeforeEveryName() throws Exception {
        try (MessageBus bus = MessageBus.builder().name("metered").addObserver(BusMetrics.withPrefix(registry,
                "llmgine")).start()) {
            bus.subscribe(Ping.class, event -> { });
            bus.publishAndWait(new Ping(1), WAIT);
            assertEquals(1, countOf(registry.get("llmgine.events.published").tags("bus", "metered").meter()));
            assertTrue(registry.getMeters().stream().allMatch(m -> m.getId().getName().startsWith("llmgine.")));
        }
    }

    @Test
    void withoutHistograms_theTimesAreACountAndATotal() throws Exception {
        try (MessageBus bus = MessageBus.builder().name("metered")
                .addObserver(BusMetrics.of(registry).withoutHistograms()).start()) {
            bus.subscribe(Ping.class, event -> { });
            bus.publishAndWait(new Ping(1), WAIT);
            assertTrue(bus.awaitIdle(WAIT));
            var time = registry.get("event.processing.duration").tags("bus", "metered", "type", "Ping")
                    .functionTimer();
            assertEquals(1, time.count());
            assertEquals(1, count("events.processed", "type", "Ping"));
        }
    }

    @Test
    void theHistogramsHaveBucketsFromOneMillisecondToTenSeconds() {
        assertEquals(Duration.ofMillis(1), BusMetrics.BUCKETS[0]);
        assertEquals(Duration.ofSeconds(10), BusMetrics.BUCKETS[BusMetrics.BUCKETS.length - 1]);
    }
}
