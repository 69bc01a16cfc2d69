package org.llmgine.bus.metrics;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.llmgine.bus.MessageBus;
import org.llmgine.bus.message.Command;
import org.llmgine.bus.message.Event;

/** The Prometheus form of the meters: names, types and labels, as scraped. */
final class PrometheusNamesTest {

    record Ping(int n) implements Event {}

    record AskModel(String prompt) implements Command<String> {}

    private static void has(String scrape, String line) {
        assertTrue(scrape.contains(line), "the scrape has no '" + line + "':\n" + scrape);
    }

    @Test
    void theScrape_hasTheNamesTypesAndLabels() throws Exception {
        var registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        try (MessageBus bus = MessageBus.builder().name("scraped").addObserver(BusMetrics.of(registry)).start()) {
            bus.subscribe(Ping.class, event -> { });
            bus.registerCommand(AskModel.class, (cmd, ctx) -> "answer");
            bus.publishAndWait(new Ping(1), Duration.ofSeconds(10));
            bus.execute(new AskModel("hi")).orThrow();

            String scrape = registry.scrape();

            has(scrape, "# TYPE events_published_total counter");
            has(scrape, "events_published_total{bus=\"scraped\",type=\"Ping\"} 1.0");
            has(scrape, "# TYPE events_processed_total counter");
            has(scrape, "events_processed_total{bus=\"scraped\",type=\"Ping\"} 1.0");
            has(scrape, "# TYPE events_failed_total counter");
            has(scrape, "# TYPE commands_sent_total counter");
            has(scrape, "commands_sent_total{bus=\"scraped\",type=\"AskModel\"} 1.0");
            has(scrape, "# TYPE commands_processed_total counter");
            has(scrape, "# TYPE event_processing_duration_seconds histogram");
            has(scrape, "event_processing_duration_seconds_bucket{bus=\"scraped\",type=\"Ping\",le=\"0.001\"}");
            has(scrape, "event_processing_duration_seconds_bucket{bus=\"scraped\",type=\"Ping\",le=\"10.0\"}");
            has(scrape, "# TYPE command_processing_duration_seconds histogram");
            has(scrape, "# TYPE event_dispatch_lag_seconds summary");
            has(scrape, "# TYPE queue_size gauge");
            has(scrape, "queue_size{bus=\"scraped\"}");
            has(scrape, "# TYPE backpressure_active gauge");
            has(scrape, "# TYPE active_sessions gauge");
            has(scrape, "# TYPE registered_handlers gauge");
            has(scrape, "# TYPE scheduled_pending gauge");
            has(scrape, "# TYPE approvals_pending gauge");
            has(scrape, "# TYPE events_filtered_total counter");
            has(scrape, "# TYPE events_dropped_total counter");
            has(scrape, "# TYPE events_unhandled_total counter");
        }
    }

    @Test
    void theOpenTelemetryNames_useTheMessagingConventions() throws Exception {
        var registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        try (MessageBus bus = MessageBus.builder().name("otel")
                .addObserver(BusMetrics.of(registry).withOpenTelemetryNames()).start()) {
            bus.subscribe(Ping.class, event -> { });
            bus.publishAndWait(new Ping(1), Duration.ofSeconds(10));
            assertTrue(bus.awaitIdle(Duration.ofSeconds(10)));

            String scrape = registry.scrape();

            has(scrape, "messaging_client_sent_messages_total{bus=\"otel\",messaging_destination_name=\"Ping\","
                    + "messaging_system=\"llmgine\"} 1.0");
            has(scrape, "messaging_client_consumed_messages_total{bus=\"otel\",messaging_destination_name=\"Ping\","
                    + "messaging_system=\"llmgine\"} 1.0");
            has(scrape, "# TYPE messaging_process_duration_seconds histogram");
            has(scrape, "llmgine_queue_size{bus=\"otel\",messaging_system=\"llmgine\"}");
        }
    }
}
