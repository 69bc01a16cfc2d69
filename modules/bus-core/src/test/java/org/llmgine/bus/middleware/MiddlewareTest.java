package org.llmgine.bus.middleware;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.List;
import java.util.ResourceBundle;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.llmgine.bus.MessageBus;
import org.llmgine.bus.message.Command;
import org.llmgine.bus.message.CommandResult;
import org.llmgine.bus.message.Event;
import org.llmgine.bus.handler.CommandContext;
import org.llmgine.bus.message.FailureCause;

final class MiddlewareTest {

    record Ask(String secret) implements Command<String> {}

    record Said(String secret) implements Event {}

    private static CommandMiddleware tracing(List<String> log, String name) {
        return new CommandMiddleware() {
            @Override
            public <R> CommandResult<R> handle(Command<R> command, CommandContext context, CommandChain<R> chain)
                    throws Exception {
                log.add(name + " before");
                CommandResult<R> result = chain.proceed();
                log.add(name + " after");
                return result;
            }
        };
    }

    @Test
    void commandMiddleware_firstAddedIsOutermost() {
        List<String> log = new CopyOnWriteArrayList<>();
        try (var bus = MessageBus.builder().name("mw").addCommandMiddleware(tracing(log, "outer"))
                .addCommandMiddleware(tracing(log, "inner")).start()) {
            bus.registerCommand(Ask.class, (cmd, ctx) -> {
                log.add("handler");
                return "ok";
            });

            assertEquals("ok", bus.execute(new Ask("s")).orThrow());
        }
        assertEquals(List.of("outer before", "inner before", "handler", "inner after", "outer after"), log);
    }

    @Test
    void commandMiddleware_canRejectWithATypedFailure_throwOrReturnNull() {
        var calls = new java.util.concurrent.atomic.AtomicInteger();
        try (var bus = MessageBus.builder().name("mw")
                .addCommandMiddleware(new CommandMiddleware() {
                    @Override
                    public <R> CommandResult<R> handle(Command<R> command, CommandContext context,
                            CommandChain<R> chain) throws Exception {
                        if (command instanceof Ask ask && ask.secret().isBlank()) {
                            return CommandResult.failure(new FailureCause.Rejected("prompt must not be blank"));
                        }
                        if (command instanceof Ask ask && ask.secret().equals("boom")) {
                            throw new IllegalStateException("middleware failed");
                        }
                        if (command instanceof Ask ask && ask.secret().equals("null")) {
                            return null;
                        }
                        return chain.proceed();
                    }
                }).start()) {
            bus.registerCommand(Ask.class, (cmd, ctx) -> {
                calls.incrementAndGet();
                return "from handler";
            });

            assertEquals("from handler", bus.execute(new Ask("live")).orThrow());
            assertEquals(CommandResult.failure(new FailureCause.Rejected("prompt must not be blank")),
                    bus.execute(new Ask(" ")), "the middleware's typed failure reaches the caller as it is");
            var threw = assertInstanceOf(CommandResult.Failure.class, bus.execute(new Ask("boom")));
            assertInstanceOf(FailureCause.HandlerThrew.class, threw.cause());
            var nulled = assertInstanceOf(CommandResult.Failure.class, bus.execute(new Ask("null")));
            var npe = assertInstanceOf(FailureCause.HandlerThrew.class, nulled.cause());
            assertTrue(npe.error().getMessage().contains("returned null"), npe.error().getMessage());
            assertEquals(1, calls.get(), "only the admitted command reached the handler");
        }
    }

    @Test
    void aRetryMiddleware_tellsTheHandlerTheAttempt_andCommandCompletedCountsThem() throws Exception {
        var attempts = new CopyOnWriteArrayList<Integer>();
        var completed = new java.util.concurrent.CompletableFuture<org.llmgine.bus.message.CommandCompleted>();
        CommandMiddleware retryOnce = new CommandMiddleware() {
            @Override
            public <R> CommandResult<R> handle(Command<R> command, CommandContext context, CommandChain<R> chain)
                    throws Exception {
                try {
                    return chain.proceed(context.withAttempt(1));
                } catch (IllegalStateException transientFailure) { // what the handler threw
                    return chain.proceed(context.withAttempt(2));
                }
            }
        };
        try (var bus = MessageBus.builder().name("retrying").addCommandMiddleware(retryOnce).start()) {
            bus.subscribe(org.llmgine.bus.message.CommandCompleted.class, completed::complete);
            bus.registerCommand(Ask.class, (cmd, ctx) -> {
                attempts.add(ctx.attempt());
                if (ctx.attempt() == 1) {
                    throw new IllegalStateException("transient");
                }
                return "on attempt " + ctx.attempt();
            });

            assertEquals("on attempt 2", bus.execute(new Ask("x")).orThrow());
            assertEquals(List.of(1, 2), attempts);
            assertEquals(2, completed.get(5, java.util.concurrent.TimeUnit.SECONDS).attempts());
        }
    }

    @Test
    void eventMiddleware_wrapsEachHandlerInvocation_inOrder() throws Exception {
        List<String> log = new CopyOnWriteArrayList<>();
        EventMiddleware outer = (event, context, handler, chain) -> {
            log.add("outer " + handler.name());
            chain.proceed();
        };
        EventMiddleware inner = (event, context, handler, chain) -> {
            log.add("inner " + handler.name());
            chain.proceed();
        };
        try (var bus = MessageBus.builder().name("mw").addEventMiddleware(outer).addEventMiddleware(inner).start()) {
            bus.subscribe(Said.class, org.llmgine.bus.handler.HandlerOptions.named("h1"), s -> log.add("h1"));
            bus.subscribe(Said.class, org.llmgine.bus.handler.HandlerOptions.named("h2")
                    .withPriority(org.llmgine.bus.handler.Priority.LOW), s -> log.add("h2"));

            assertEquals(2, ((org.llmgine.bus.DeliveryOutcome.Delivered) bus.publishAndWait(new Said("x"))).handlersInvoked());
        }
        assertEquals(List.of("outer h1", "inner h1", "h1", "outer h2", "inner h2", "h2"), log);
    }

    @Test
    void loggingMiddleware_logsTypesIdsAndDurations_neverPayloads() {
        var logger = new RecordingLogger();
        var ticker = new AtomicLong();
        var logging = LoggingMiddleware.with(logger, Level.DEBUG, () -> ticker.addAndGet(1_500_000));
        try (var bus = MessageBus.builder().name("logged").addCommandMiddleware(logging).addEventMiddleware(logging).start()) {
            bus.registerCommand(Ask.class, (cmd, ctx) -> "ok");
            bus.subscribe(Said.class, s -> { });

            bus.execute(new Ask("password-123"));
            bus.publishAndWait(new Said("password-456"));
        } catch (InterruptedException e) {
            throw new IllegalStateException(e);
        }

        assertTrue(logger.lines.stream().anyMatch(l -> l.startsWith("DEBUG executing command Ask (id=")
                && l.contains("/c1, session=null)")), logger.lines.toString());
        assertTrue(logger.lines.stream().anyMatch(l -> l.contains("/c1) completed in 1.500 ms")), logger.lines.toString());
        assertTrue(logger.lines.stream().anyMatch(l -> l.contains("processed by Said-handler-")), logger.lines.toString());
        assertFalse(logger.lines.stream().anyMatch(l -> l.contains("password")), "a payload was logged");
    }

    @Test
    void loggingMiddleware_logsFailuresAndRethrows() {
        var logger = new RecordingLogger();
        var logging = LoggingMiddleware.with(logger, Level.INFO, () -> 0L);
        try (var bus = MessageBus.builder().name("logged").addCommandMiddleware(logging).start()) {
            bus.registerCommand(Ask.class, (cmd, ctx) -> {
                throw new IllegalStateException("model down");
            });

            assertFalse(bus.execute(new Ask("x")).isSuccess());
        }
        assertTrue(logger.lines.stream().anyMatch(l -> l.startsWith("INFO command Ask (id=") && l.contains("/c1) failed")
                && l.contains("model down")), logger.lines.toString());
    }

    @Test
    void timingMiddleware_recordsCountTotalMinMaxPerType() throws Exception {
        var ticker = new AtomicLong();
        var durations = new long[] {5, 10, 3};
        var calls = new java.util.concurrent.atomic.AtomicInteger();
        var timing = new TimingMiddleware(ticker::get);
        try (var bus = MessageBus.builder().name("timed").addCommandMiddleware(timing).addEventMiddleware(timing).start()) {
            bus.registerCommand(Ask.class, (cmd, ctx) -> {
                ticker.addAndGet(Duration.ofMillis(durations[calls.getAndIncrement()]).toNanos());
                return "ok";
            });
            bus.subscribe(Said.class, s -> ticker.addAndGet(Duration.ofMillis(7).toNanos()));
            for (int i = 0; i < 3; i++) {
                bus.execute(new Ask("x"));
            }
            bus.publishAndWait(new Said("x"));
        }

        TimingStats ask = timing.commandTimings().get(Ask.class);
        assertEquals(new TimingStats(3, Duration.ofMillis(18), Duration.ofMillis(3), Duration.ofMillis(10)), ask);
        assertEquals(Duration.ofMillis(6), ask.mean());
        assertEquals(Duration.ofMillis(7), timing.eventTimings().get(Said.class).max());
    }

    /** A System.Logger that keeps every line it is given, as "LEVEL message". */
    private static final class RecordingLogger implements Logger {
        final List<String> lines = new CopyOnWriteArrayList<>();

        @Override
        public String getName() {
            return "recording";
        }

        @Override
        public boolean isLoggable(Level level) {
            return level != Level.OFF;
        }

        @Override
        public void log(Level level, Supplier<String> message) {
            lines.add(level.getName() + " " + message.get());
        }

        @Override
        public void log(Level level, ResourceBundle bundle, String message, Throwable thrown) {
            lines.add(level.getName() + " " + message + " " + thrown);
        }

        @Override
        public void log(Level level, ResourceBundle bundle, String format, Object... params) {
            lines.add(level.getName() + " " + format);
        }
    }
}
