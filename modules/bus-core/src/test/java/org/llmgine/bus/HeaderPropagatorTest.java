package org.llmgine.bus;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.Test;
import org.llmgine.bus.message.Command;
import org.llmgine.bus.message.CommandStarted;
import org.llmgine.bus.message.Event;
import org.llmgine.bus.message.Headers;
import org.llmgine.bus.spi.HeaderPropagator;

/** Header propagators: which sends they see, in which order, and what a failing one does. */
final class HeaderPropagatorTest {

    record Note(String text) implements Event {}

    record Ask(String text) implements Command<String> {}

    private static final Duration WAIT = Duration.ofSeconds(10);

    /** Stamps each message with a header naming the thread that sent it and a running number. */
    private static final class Stamp implements HeaderPropagator {
        final AtomicInteger calls = new AtomicInteger();

        @Override
        public Headers propagate(org.llmgine.bus.message.Message message, String sessionId, Headers headers) {
            return headers.with("stamp", message.getClass().getSimpleName() + "#" + calls.incrementAndGet())
                    .with("session", String.valueOf(sessionId));
        }
    }

    @Test
    void publishesAndExecutions_fromCallersAndHandlers_carryThePropagatedHeaders() throws Exception {
        var stamp = new Stamp();
        Map<String, Headers> seen = new ConcurrentHashMap<>();
        try (var bus = MessageBus.builder().name("propagate").addHeaderPropagator(stamp).start()) {
            bus.registerEventHandler(Note.class, (note, ctx) -> seen.put("note " + note.text(), ctx.headers()));
            bus.registerCommand(Ask.class, (ask, ctx) -> {
                seen.put("ask", ctx.headers());
                ctx.publish(new Note("from the handler"));
                return "ok";
            });
            bus.publishAndWait(new Note("from the caller"), PublishOptions.defaults().withHeader("mine", "kept"), WAIT);
            Session session = bus.openSession("s-1");
            assertEquals("ok", session.execute(new Ask("q"), WAIT).orThrow());
            assertTrue(bus.awaitIdle(WAIT));
        }

        assertEquals(Map.of("mine", "kept", "stamp", "Note#1", "session", "null"),
                seen.get("note from the caller").asMap(), "the caller's headers plus the propagated ones");
        assertEquals(Map.of("stamp", "Ask#2", "session", "s-1"), seen.get("ask").asMap());
        assertEquals(Map.of("stamp", "Note#3", "session", "s-1"), seen.get("note from the handler").asMap(),
                "a handler's publish: the propagator saw the context's headers and its values win");
        assertEquals(3, stamp.calls.get(), "called once per send, not for lifecycle events");
    }

    @Test
    void lifecycleEvents_keepTheirCausesHeaders_andScheduledEvents_theirOwn() throws Exception {
        var stamp = new Stamp();
        var clock = new ManualClock(Instant.parse("2026-01-01T00:00:00Z"));
        List<Headers> started = new CopyOnWriteArrayList<>();
        List<Headers> reminders = new CopyOnWriteArrayList<>();
        try (var bus = MessageBus.builder().name("propagate-lifecycle").clock(clock).addHeaderPropagator(stamp)
                .start()) {
            bus.registerEventHandler(CommandStarted.class, (e, ctx) -> started.add(ctx.headers()));
            bus.registerEventHandler(Note.class, (note, ctx) -> reminders.add(ctx.headers()));
            bus.registerCommand(Ask.class, (ask, ctx) -> "ok");
            bus.execute(new Ask("q"), WAIT).orThrow();
            bus.schedule(new Note("later"), clock.instant().plusSeconds(60),
                    PublishOptions.defaults().withHeader("scheduled", "yes"));
            clock.advance(Duration.ofSeconds(60));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (reminders.isEmpty() || started.isEmpty()) {
                assertTrue(System.nanoTime() < deadline, "the reminder and the notice within 10 s");
                Thread.onSpinWait();
            }
        }
        assertEquals(Map.of("stamp", "Ask#1", "session", "null"), started.get(0).asMap(),
                "CommandStarted carries its command's propagated headers, not a stamp of its own");
        assertEquals(Map.of("scheduled", "yes"), reminders.get(0).asMap(), "a due event keeps its scheduled headers");
        assertEquals(1, stamp.calls.get());
    }

    @Test
    void propagatorsApplyInOrder_andOneThatThrows_isLoggedAndSkipped() throws Exception {
        List<LogRecord> records = new CopyOnWriteArrayList<>();
        Handler capture = new Handler() {
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
        Logger jul = Logger.getLogger("org.llmgine.bus");
        jul.addHandler(capture);
        Map<String, Headers> seen = new ConcurrentHashMap<>();
        HeaderPropagator broken = (message, session, headers) -> {
            throw new IllegalStateException("no tenant bound");
        };
        try (var bus = MessageBus.builder().name("propagate-order")
                .addHeaderPropagator((m, s, h) -> h.with("order", "first"))
                .addHeaderPropagator(broken)
                .addHeaderPropagator((m, s, h) -> h.with("order", h.get("order").orElse("") + ",third"))
                .start()) {
            bus.registerEventHandler(Note.class, (note, ctx) -> seen.put(note.text(), ctx.headers()));
            assertTrue(bus.publishAndWait(new Note("n"), WAIT) instanceof DeliveryOutcome.Delivered);
        } finally {
            jul.removeHandler(capture);
        }
        assertEquals(Map.of("order", "first,third"), seen.get("n").asMap());
        List<LogRecord> warnings = records.stream().filter(r -> r.getLevel() == Level.WARNING
                && String.valueOf(r.getMessage()).contains("header propagator")).toList();
        assertEquals(1, warnings.size(), "the failure is logged once");
        assertTrue(warnings.get(0).getMessage().contains("propagate-order")
                && warnings.get(0).getMessage().contains(Note.class.getName()), warnings.get(0).getMessage());
        assertEquals("no tenant bound", warnings.get(0).getThrown().getMessage());
    }
}
