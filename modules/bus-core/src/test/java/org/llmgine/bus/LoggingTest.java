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
        try (var bus = MessageBus.builder().name("logged").failureLogInterval(Duration.ZERO).start()) {
            bus.subscribe(Secret.class, HandlerOptions.named("vault"), s -> {
                throw new IllegalStateException("cannot store");
            });
            bus.subscribe(Secret.class, s -> { });
            for (int i = 0; i < 11; i++) {
                bus.publishAndWait(new Secret("hunter2"), Duration.ofSeconds(5));
            }
        }

        List<LogRecord> warnings = records.stream().filter(r -> r.getLevel().intValue() >= Level.WARNING.intValue()).toList();
        assertEquals(11, warnings.size(), "with an interval of zero, one warning per failure, nothing else above DEBUG");
        LogRecord first = warnings.get(0);
        assertTrue(first.getMessage().contains("vault"), first.getMessage());
        assertTrue(first.getMessage().contains("Secret"), first.getMessage());
        assertEquals("cannot store", first.getThrown().getMessage());
        assertTrue(records.stream().noneMatch(r -> String.valueOf(r.getMessage()).contains("hunter2")),
                "a payload was logged");
        assertTrue(records.stream().filter(r -> r.getLevel().intValue() >= Level.INFO.intValue())
                .allMatch(r -> r.getLevel() == Level.WARNING));
    }

    /** A ticker the test moves. */
    private static final class ManualTicker implements Ticker {
        private final java.util.concurrent.atomic.AtomicLong nanos = new java.util.concurrent.atomic.AtomicLong();

        @Override
        public long read() {
            return nanos.get();
        }

        void advance(Duration step) {
            nanos.addAndGet(step.toNanos());
        }
    }

    @Test
    void aFailureStorm_isLoggedOnce_thenCountedIntoTheNextWarning_andSummedUpAtClose() throws Exception {
        var ticker = new ManualTicker();
        try (var bus = MessageBus.builder().name("stormy").ticker(ticker).start()) { // default interval, 10 s
            bus.subscribe(Secret.class, HandlerOptions.named("vault"), s -> {
                throw new IllegalStateException("cannot store");
            });
            for (int i = 0; i < 100; i++) {
                bus.publishAndWait(new Secret("hunter2"), Duration.ofSeconds(5));
            }
            assertEquals(1, warnings().size(), "the first failure in full, the next 99 counted: " + warnings());
            assertEquals("cannot store", warnings().get(0).getThrown().getMessage());

            ticker.advance(Duration.ofSeconds(11));
            bus.publishAndWait(new Secret("hunter2"), Duration.ofSeconds(5));
            assertEquals(2, warnings().size());
            assertTrue(warnings().get(1).getMessage().contains("99 more times"), warnings().get(1).getMessage());

            for (int i = 0; i < 5; i++) {
                bus.publishAndWait(new Secret("hunter2"), Duration.ofSeconds(5));
            }
        }
        List<LogRecord> all = warnings();
        assertEquals(3, all.size(), "the 5 counted since the last warning are summed up at close: " + all);
        assertTrue(all.get(2).getMessage().contains("5 more times") && all.get(2).getMessage().contains("vault")
                && all.get(2).getMessage().contains("Secret"), all.get(2).getMessage());
        assertTrue(records.stream().noneMatch(r -> String.valueOf(r.getMessage()).contains("hunter2")));
    }

    private List<LogRecord> warnings() {
        return records.stream().filter(r -> r.getLevel().intValue() >= Level.WARNING.intValue()).toList();
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
