package org.llmgine.bus;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.llmgine.bus.handler.HandlerOptions;
import org.llmgine.bus.message.Event;

/**
 * What the bus logs through System.Logger (backed by java.util.logging here): handler failures at
 * WARNING naming the handler and the event type, nothing above DEBUG per event, never a payload.
 */
final class LoggingTest {

    record Secret(String password) implements Event {}

    private final Logger julLogger = Logger.getLogger("org.llmgine.bus");
    private final List<LogRecord> records = new CopyOnWriteArrayList<>();
    private final Handler capture = new Handler() {
        @Override
        public void publish(LogRecord record) {
            records.add(record);
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    };
    private Level previous;

    @BeforeEach
    void attach() {
        previous = julLogger.getLevel();
        julLogger.setLevel(Level.ALL);
        julLogger.addHandler(capture);
    }

    @AfterEach
    void detach() {
        julLogger.removeHandler(capture);
        julLogger.setLevel(previous);
    }

    @Test
    void handlerFailure_isLoggedAtWarning_withHandlerAndEventType_withoutPayload() throws Exception {
        try (var bus = MessageBus.builder().name("logged").start()) {
            bus.subscribe(Secret.class, HandlerOptions.named("vault"), s -> {
                throw new IllegalStateException("cannot store");
            });
            bus.subscribe(Secret.class, s -> { });
            bus.publishAndWait(new Secret("hunter2"));
            for (int i = 0; i < 10; i++) {
                bus.publishAndWait(new Secret("hunter2"), Duration.ofSeconds(5));
            }
        }

        List<LogRecord> warnings = records.stream().filter(r -> r.getLevel().intValue() >= Level.WARNING.intValue()).toList();
        assertEquals(11, warnings.size(), "one warning per failure, nothing else above DEBUG");
        LogRecord first = warnings.get(0);
        assertTrue(first.getMessage().contains("vault"), first.getMessage());
        assertTrue(first.getMessage().contains("Secret"), first.getMessage());
        assertEquals("cannot store", first.getThrown().getMessage());
        assertTrue(records.stream().noneMatch(r -> String.valueOf(r.getMessage()).contains("hunter2")),
                "a payload was logged");
        assertTrue(records.stream().filter(r -> r.getLevel().intValue() >= Level.INFO.intValue())
                .allMatch(r -> r.getLevel() == Level.WARNING));
    }

    @Test
    void eventsWaitingOnANeverStartedBus_areWarnedAboutOnce() throws Exception {
        try (var idle = MessageBus.builder().name("forgotten").unstartedWarning(Duration.ofMillis(50)).build()) {
            idle.publish(new Secret("a"));
            idle.publish(new Secret("b"));
            long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(10);
            while (records.stream().noneMatch(r -> String.valueOf(r.getMessage()).contains("was never started"))) {
                assertTrue(System.nanoTime() < deadline, "no warning about the never-started bus: " + records);
                Thread.onSpinWait();
            }
            LogRecord warning = records.stream().filter(r -> String.valueOf(r.getMessage()).contains("was never started"))
                    .findFirst().orElseThrow();
            assertEquals(Level.WARNING, warning.getLevel());
            assertTrue(warning.getMessage().contains("'forgotten'") && warning.getMessage().contains("2 events"),
                    warning.getMessage());
            assertEquals(1, records.stream().filter(r -> String.valueOf(r.getMessage()).contains("was never started"))
                    .count(), "warned once");
        }
    }
}
