package org.llmgine.bus.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Statistic;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.llmgine.bus.MessageBus;
import org.llmgine.bus.message.Command;
import org.llmgine.bus.message.Event;
import org.llmgine.bus.resilience.CircuitBreakerConfig;
import org.llmgine.bus.resilience.CircuitBreakers;
import org.llmgine.bus.resilience.Pipeline;
import org.llmgine.bus.resilience.ResiliencePolicy;

/** The observers as Micrometer {@code MeterBinder}s: bound before or after the bus starts. */
final class MeterBinderTest {

    private static final Duration WAIT = Duration.ofSeconds(10);

    record Ping(int n) implements Event {}

    record AskModel(String prompt) implements Command<String> {}

    private static double count(MeterRegistry registry, String name, String... tags) {
        Meter meter = registry.get(name).tags("bus", "late").tags(tags).meter();
        for (var measurement : meter.measure()) {
            if (measurement.getStatistic() == Statistic.COUNT) {
                return measurement.getValue();
            }
        }
        throw new AssertionError(meter.getId() + " has no count");
    }

    @Test
    void boundAfterTheBusStarted_countsFromTheStart_andTimesFromTheBinding() throws Exception {
        BusMetrics metrics = BusMetrics.create();
        assertInstanceOf(MeterBinder.class, metrics);
        var registry = new SimpleMeterRegistry();
        try (MessageBus bus = MessageBus.builder().name("late").addObserver(metrics).start()) {
            bus.registerEventHandler(Ping.class, (event, ctx) -> { });
            bus.registerCommand(AskModel.class, (cmd, ctx) -> "ok");
            for (int i = 0; i < 3; i++) {
                bus.publishAndWait(new Ping(i), WAIT);
            }
            bus.execute(new AskModel("before"), WAIT).orThrow();
            assertTrue(registry.getMeters().isEmpty(), "nothing registered before a registry is bound");

            metrics.bindTo(registry);
            metrics.bindTo(registry); // the same registry again: nothing more

            assertEquals(3, count(registry, "events.published", "type", "Ping"), "counted since the start");
            assertEquals(1, count(registry, "commands.sent", "type", "AskModel"));
            assertEquals(0, registry.get("queue.size").tags("bus", "late").gauge().value());
            assertEquals(0, registry.get("event.processing.duration").tags("bus", "late").timer().count(),
                    "a histogram records from the binding on");

            bus.publishAndWait(new Ping(3), WAIT);
            assertTrue(bus.awaitIdle(WAIT));
            assertEquals(4, count(registry, "events.published", "type", "Ping"));
            assertEquals(1, registry.get("event.processing.duration").tags("bus", "late").timer().count());
            assertEquals(1, registry.find("events.published").meters().size(), "registered once");

            var other = new SimpleMeterRegistry();
            var e = assertThrows(IllegalStateException.class, () -> metrics.bindTo(other));
            assertTrue(e.getMessage().contains("CompositeMeterRegistry"), e.getMessage());
        }
        assertTrue(registry.getMeters().isEmpty(), () -> "every meter removed at close: " + registry.getMeters());
        var e = assertThrows(IllegalStateException.class, () -> BusMetricsAfterClose.bind(metrics));
        assertTrue(e.getMessage().contains("'late' has closed"), e.getMessage());
    }

    /** Binding a closed bus's metrics to a fresh registry. */
    private static final class BusMetricsAfterClose {
        static void bind(BusMetrics metrics) {
            metrics.bindTo(new SimpleMeterRegistry());
        }
    }

    @Test
    void boundBeforeTheBusStarted_isLikeOf() throws Exception {
        var registry = new SimpleMeterRegistry();
        BusMetrics metrics = BusMetrics.create();
        metrics.bindTo(registry);
        try (MessageBus bus = MessageBus.builder().name("late").addObserver(metrics).start()) {
            bus.registerEventHandler(Ping.class, (event, ctx) -> { });
            bus.publishAndWait(new Ping(1), WAIT);
            assertTrue(bus.awaitIdle(WAIT));
            assertEquals(1, count(registry, "events.processed", "type", "Ping"));
            assertEquals(1, registry.get("event.processing.duration").tags("bus", "late").timer().count());
        }
    }

    @Test
    void resilienceMetrics_boundLater_showTheBreakersMadeMeanwhile() throws Exception {
        var policy = ResiliencePolicy.builder()
                .commands(AskModel.class, Pipeline.builder().circuitBreaker(CircuitBreakers.of(CircuitBreakerConfig.defaults())).build())
                .build();
        ResilienceMetrics metrics = ResilienceMetrics.create(policy);
        var registry = new SimpleMeterRegistry();
        try (MessageBus bus = policy.installOn(MessageBus.builder().name("late")).addObserver(metrics).start()) {
            bus.registerCommand(AskModel.class, (cmd, ctx) -> "ok");
            bus.execute(new AskModel("hi"), WAIT).orThrow();
            metrics.bindTo(registry);
            assertEquals(1, count(registry, "circuit.breaker.calls", "kind", "successful"));
            assertEquals(0, registry.get("circuit.breaker.state").tags("bus", "late").gauge().value());
        }
        assertTrue(registry.getMeters().isEmpty());
    }
}
