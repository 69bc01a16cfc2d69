package org.llmgine.bus.resilience;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingFile;
import org.junit.jupiter.api.Test;
import org.llmgine.bus.MessageBus;
import org.llmgine.bus.message.Command;

/** A JFR recording holds the breaker's transitions and the dead-lettered messages. */
final class JfrEventsTest {

    record Charge(String card) implements Command<String> {}

    @Test
    void aRecording_holdsBreakerTransitionsAndDeadLetters() throws Exception {
        var clock = new ManualClock(Instant.parse("2026-01-01T00:00:00Z"));
        Path file = Files.createTempFile("llmgine-resilience", ".jfr");
        try (var recording = new Recording()) {
            recording.enable("org.llmgine.bus.BreakerTransition");
            recording.enable("org.llmgine.bus.DeadLettered");
            recording.start();
            var dlq = DeadLetterQueue.builder().clock(clock).build();
            var policy = ResiliencePolicy.builder().clock(clock)
                    .commands(Charge.class, Pipeline.builder().clock(clock)
                            .circuitBreaker(CircuitBreakers.builder(CircuitBreakerConfig.builder()
                                    .consecutiveFailures(2, Duration.ofMinutes(1)).build()).clock(clock).build())
                            .build())
                    .deadLetterQueue(dlq).build();
            try (MessageBus bus = policy.installOn(MessageBus.builder().clock(clock)).start()) {
                bus.registerCommand(Charge.class, (cmd, ctx) -> {
                    throw new IllegalStateException("card declined");
                });
                bus.execute(new Charge("a"));
                bus.execute(new Charge("b")); // the second failure opens the breaker
            }
            recording.stop();
            recording.dump(file);
        }
        List<RecordedEvent> events = RecordingFile.readAllEvents(file);
        Files.delete(file);
        List<RecordedEvent> transitions = events.stream()
                .filter(e -> e.getEventType().getName().equals("org.llmgine.bus.BreakerTransition")).toList();
        assertEquals(1, transitions.size(), events.toString());
        assertEquals("Charge", transitions.get(0).getString("breaker"));
        assertEquals("CLOSED", transitions.get(0).getString("from"));
        assertEquals("OPEN", transitions.get(0).getString("to"));
        List<RecordedEvent> deadLetters = events.stream()
                .filter(e -> e.getEventType().getName().equals("org.llmgine.bus.DeadLettered")).toList();
        assertEquals(2, deadLetters.size());
        assertEquals(Charge.class.getName(), deadLetters.get(0).getString("messageType"));
        assertEquals(1, deadLetters.get(0).getInt("attempts"));
    }
}
