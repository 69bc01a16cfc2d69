package org.llmgine.bus.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.llmgine.bus.ExecuteOptions;
import org.llmgine.bus.MessageBus;
import org.llmgine.bus.message.Command;
import org.llmgine.bus.message.CommandResult;
import org.llmgine.bus.message.FailureCause;
import org.llmgine.bus.resilience.Bulkheads;
import org.llmgine.bus.resilience.CircuitBreakerConfig;
import org.llmgine.bus.resilience.CircuitBreakers;
import org.llmgine.bus.resilience.DeadLetterQueue;
import org.llmgine.bus.resilience.KeyBy;
import org.llmgine.bus.resilience.Pipeline;
import org.llmgine.bus.resilience.ResiliencePolicy;
import org.llmgine.bus.resilience.RetryPolicy;

/** A policy's breakers, retries, bulkheads and dead letter queue, as meters. */
final class ResilienceMetricsTest {

    record AskModel(String prompt) implements Command<String> {}

    private static ResiliencePolicy policy(DeadLetterQueue dlq) {
        return ResiliencePolicy.builder()
                .commands(AskModel.class, Pipeline.builder()
                        .bulkhead(Bulkheads.of(4))
                        .retry(RetryPolicy.builder().maxAttempts(2).initialDelay(Duration.ofMillis(1)).jitter(false)
                                .build())
                        .circuitBreaker(CircuitBreakers.builder(CircuitBreakerConfig.builder()
                                .consecutiveFailures(2, Duration.ofMinutes(1)).build())
                                .keyBy(KeyBy.header("provider")).build())
                        .build())
                .deadLetterQueue(dlq)
                .build();
    }

    @Test
    void breakerRetryBulkheadAndDeadLetterMeters_followThePolicy_andGoAtClose() throws Exception {
        var registry = new SimpleMeterRegistry();
        var dlq = DeadLetterQueue.create();
        var policy = policy(dlq);
        MessageBus bus = policy.installOn(MessageBus.builder().name("guarded"))
                .addObserver(ResilienceMetrics.of(registry, policy)).start();
        bus.registerCommand(AskModel.class, (cmd, ctx) -> {
            if (cmd.prompt().equals("fail")) {
                throw new IllegalStateException("503");
            }
            return "ok";
        });
        var openai = ExecuteOptions.defaults().withHeader("provider", "openai");

        assertEquals("ok", bus.execute(new AskModel("hi"), openai).orThrow());
        var failed = assertInstanceOf(CommandResult.Failure.class, bus.execute(new AskModel("fail"), openai));
        assertInstanceOf(FailureCause.RetriesExhausted.class, failed.cause()); // two failed attempts open the breaker
        var refused = assertInstanceOf(CommandResult.Failure.class, bus.execute(new AskModel("hi"), openai));
        assertInstanceOf(FailureCause.CircuitOpen.class, refused.cause());

        String breaker = "openai";
        assertEquals(1, registry.get("circuit.breaker.state").tags("bus", "guarded", "breaker", breaker).gauge().value());
        assertEquals(1, registry.get("circuit.breaker.calls").tags("breaker", breaker, "kind", "successful")
                .functionCounter().count());
        assertEquals(2, registry.get("circuit.breaker.calls").tags("breaker", breaker, "kind", "failed")
                .functionCounter().count());
        assertEquals(1, registry.get("circuit.breaker.calls").tags("breaker", breaker, "kind", "not_permitted")
                .functionCounter().count());
        String rule = "commands:AskModel";
        assertEquals(1, registry.get("retry.calls").tags("rule", rule, "kind", "successful_without_retry")
                .functionCounter().count());
        assertEquals(1, registry.get("retry.calls").tags("rule", rule, "kind", "failed_with_retry")
                .functionCounter().count());
        assertEquals(1, registry.get("retry.calls").tags("rule", rule, "kind", "failed_without_retry")
                .functionCounter().count(), "CircuitOpen is not retried");
        assertEquals(4, registry.get("bulkhead.available.permits").tags("bulkhead", "AskModel").gauge().value());
        assertEquals(1, registry.get("dead.letter.queue.size").gauge().value());
        assertEquals(1, registry.get("dead.letter.enqueued").functionCounter().count());

        bus.close();
        assertTrue(registry.getMeters().isEmpty(), "no meter left after close: " + registry.getMeters());
    }

    @Test
    void thePrometheusForm_hasTheBreakerStateAndTheDeadLetterQueueSize() throws Exception {
        var registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        var dlq = DeadLetterQueue.create();
        var policy = policy(dlq);
        try (MessageBus bus = policy.installOn(MessageBus.builder().name("scraped"))
                .addObserver(ResilienceMetrics.of(registry, policy)).start()) {
            bus.registerCommand(AskModel.class, (cmd, ctx) -> "ok");
            bus.execute(new AskModel("hi"), ExecuteOptions.defaults().withHeader("provider", "openai")).orThrow();

            String scrape = registry.scrape();

            assertTrue(scrape.contains("circuit_breaker_state{breaker=\"openai\",bus=\"scraped\"} 0.0"), scrape);
            assertTrue(scrape.contains("# TYPE dead_letter_queue_size gauge"), scrape);
            assertTrue(scrape.contains("dead_letter_queue_size{bus=\"scraped\"} 0.0"), scrape);
            assertTrue(scrape.contains("circuit_breaker_calls_total{breaker=\"openai\",bus=\"scraped\",kind=\"successful\"} 1.0"),
                    scrape);
            assertTrue(scrape.contains("retry_calls_total{bus=\"scraped\",kind=\"successful_without_retry\",rule=\"commands:AskModel\"} 1.0"),
                    scrape);
            assertTrue(scrape.contains("bulkhead_available_permits{bulkhead=\"AskModel\",bus=\"scraped\"} 4.0"), scrape);
        }
    }
}
