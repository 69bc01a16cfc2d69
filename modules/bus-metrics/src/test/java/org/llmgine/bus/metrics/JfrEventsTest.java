package org.llmgine.bus.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingFile;
import org.junit.jupiter.api.Test;
import org.llmgine.bus.MessageBus;
import org.llmgine.bus.handler.HandlerOptions;
import org.llmgine.bus.message.Event;

/** A JFR recording of a bus with {@link JfrEvents} holds its handler executions with their durations. */
final class JfrEventsTest {

    record Ping(int n) implements Event {}

    @Test
    void aRecording_holdsTheHandlerExecutions_withDurations_andTheDispatchLag() throws Exception {
        Path file = Files.createTempFile("llmgine-bus", ".jfr");
        try (var recording = new Recording()) {
            recording.enable("org.llmgine.bus.HandlerExecution");
            recording.enable("org.llmgine.bus.DispatchLag");
            recording.start();
            try (MessageBus bus = MessageBus.builder().name("recorded").addObserver(new JfrEvents()).start()) {
                bus.registerEventHandler(Ping.class, HandlerOptions.named("slowish"), (event, ctx) -> {
                    long end = System.nanoTime() + 1_000_000; // a handler that computes for about a millisecond
                    while (System.nanoTime() < end) {
                        Thread.onSpinWait();
                    }
                });
                for (int i = 0; i < 3; i++) {
                    bus.publishAndWait(new Ping(i), Duration.ofSeconds(10));
                }
            }
            recording.stop();
            recording.dump(file);
        }
        List<RecordedEvent> events = RecordingFile.readAllEvents(file);
        Files.delete(file);
        List<RecordedEvent> executions = events.stream()
                .filter(e -> e.getEventType().getName().equals("org.llmgine.bus.HandlerExecution")).toList();
        assertEquals(3, executions.size(), "one per handler invocation: " + events.size() + " events in all");
        for (RecordedEvent e : executions) {
            assertEquals("recorded", e.getString("bus"));
            assertEquals(Ping.class.getName(), e.getString("eventType"));
            assertEquals("slowish", e.getString("handler"));
            assertTrue(e.getLong("durationNanos") >= 1_000_000, "the handler's duration: " + e);
            assertFalse(e.getBoolean("failed"));
        }
        assertEquals(3, events.stream().filter(e -> e.getEventType().getName().equals("org.llmgine.bus.DispatchLag"))
                .count());
    }
}
