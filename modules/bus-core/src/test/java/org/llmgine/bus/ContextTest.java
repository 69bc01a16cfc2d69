package org.llmgine.bus;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.llmgine.bus.handler.CommandContext;
import org.llmgine.bus.handler.EventContext;
import org.llmgine.bus.handler.MessageContext;
import org.llmgine.bus.handler.Priority;
import org.llmgine.bus.message.Command;
import org.llmgine.bus.message.CommandCompleted;
import org.llmgine.bus.message.CommandResult;
import org.llmgine.bus.message.CommandStarted;
import org.llmgine.bus.message.Event;
import org.llmgine.bus.message.FailureCause;
import org.llmgine.bus.message.Headers;
import org.llmgine.bus.message.MessageId;

/**
 * What a handler's context carries and does: headers and priority onward to the messages it
 * publishes, schedules and executes, nested timeouts, attempts, and its lifetime. Handlers record
 * into futures and lists; the test thread asserts, with a deadline on every wait.
 */
final class ContextTest {

    private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
    private static final long WAIT_SECONDS = 10;

    record Request(String text) implements Event {}

    record Reply(String text) implements Event {}

    record Reminder(String text) implements Event {}

    record Ask(String prompt) implements Command<String> {}

    record Inner(String step) implements Command<String> {}

    record Hang() implements Command<String> {}

    /** What a handler saw of its context. */
    record Seen(String what, Map<String, String> headers, int priority, String sessionId) {
        static Seen of(String what, MessageContext ctx) {
            return new Seen(what, ctx.headers().asMap(), ctx.priority(), String.valueOf(ctx.sessionId()));
        }
    }

    private static MessageBus bus(String name) {
        return MessageBus.builder().name(name).start();
    }

    private static <T> T get(CompletableFuture<T> future) throws Exception {
        return future.get(WAIT_SECONDS, TimeUnit.SECONDS);
    }

    private static void awaitUntil(String what, java.util.function.BooleanSupplier condition) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_SECONDS);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError(what + " within " + WAIT_SECONDS + " s");
            }
            Thread.onSpinWait();
        }
    }

    /** Runs {@code body} and completes {@code outcome} with its value or what it threw. */
    private static <T> void capture(CompletableFuture<Object> outcome, java.util.concurrent.Callable<T> body) {
        try {
            outcome.complete(body.call());
        } catch (Throwable t) {
            outcome.complete(t);
        }
    }

    @Test
    void publishWithOptions_setsThePriority_andMergesTheHeadersWithTheContextsOptionsWinning() throws Exception {
        var replies = new CopyOnWriteArrayList<Seen>();
        var outcomes = new CompletableFuture<Object>();
        try (var bus = bus("ctx-publish"); var session = bus.openSession("s")) {
            session.registerEventHandler(Reply.class, (reply, ctx) -> replies.add(Seen.of(reply.text(), ctx)));
            session.registerEventHandler(Request.class, (request, ctx) -> capture(outcomes, () -> List.of(
                    ctx.publish(new Reply("plain")),
                    ctx.publish(new Reply("urgent"), PublishOptions.defaults()
                            .withHeader("tenant", "override").withHeader("span", "2").withPriority(Priority.HIGH)))));

            session.publish(new Request("go"), PublishOptions.ofHeaders(Headers.of("trace-id", "t-1").with("tenant", "acme"))
                    .withPriority(Priority.LOW));

            List<?> published = assertInstanceOf(List.class, get(outcomes));
            published.forEach(outcome -> assertInstanceOf(PublishOutcome.Accepted.class, outcome));
            awaitUntil("both replies are delivered", () -> replies.size() == 2);
            var byText = new java.util.HashMap<String, Seen>();
            replies.forEach(seen -> byText.put(seen.what(), seen));
            assertEquals(new Seen("plain", Map.of("trace-id", "t-1", "tenant", "acme"), Priority.NORMAL, "s"),
                    byText.get("plain"), "the context's headers, the default priority, the same session");
            assertEquals(new Seen("urgent", Map.of("trace-id", "t-1", "tenant", "override", "span", "2"), Priority.HIGH,
                    "s"), byText.get("urgent"));
        }
    }

    @Test
    void executeOptionsHeaders_reachTheHandlersContext_andFlowToEverythingItStarts() throws Exception {
        var seen = new CopyOnWriteArrayList<Seen>();
        var started = new CompletableFuture<Map<String, String>>();
        try (var bus = bus("ctx-trace")) {
            bus.registerEventHandler(CommandStarted.class, (e, ctx) -> {
                if (e.command() instanceof Ask) {
                    started.complete(ctx.headers().asMap());
                }
            });
            bus.registerEventHandler(Reply.class, (reply, ctx) -> seen.add(Seen.of("event " + reply.text(), ctx)));
            bus.registerCommand(Inner.class, (cmd, ctx) -> {
                seen.add(Seen.of("command " + cmd.step(), ctx));
                return cmd.step();
            });
            bus.registerCommand(Ask.class, (cmd, ctx) -> {
                seen.add(Seen.of("command ask", ctx));
                ctx.publish(new Reply("from ask"));
                ctx.execute(new Inner("sync")).orThrow();
                ctx.executeAsync(new Inner("async")).await(Duration.ofSeconds(WAIT_SECONDS)).orThrow();
                return "answered";
            });

            CommandResult<String> result = bus.execute(new Ask("hi"), ExecuteOptions.defaults()
                    .withHeader("trace-id", "req-42").withPriority(80));

            assertEquals(CommandResult.success("answered"), result);
            awaitUntil("the event is delivered", () -> seen.size() == 4);
            Map<String, String> trace = Map.of("trace-id", "req-42");
            var byWhat = new java.util.HashMap<String, Seen>();
            seen.forEach(s -> byWhat.put(s.what(), s));
            assertEquals(new Seen("command ask", trace, 80, "null"), byWhat.get("command ask"));
            assertEquals(new Seen("event from ask", trace, Priority.NORMAL, "null"), byWhat.get("event from ask"));
            assertEquals(new Seen("command sync", trace, Priority.NORMAL, "null"), byWhat.get("command sync"));
            assertEquals(new Seen("command async", trace, Priority.NORMAL, "null"), byWhat.get("command async"));
            assertEquals(trace, get(started), "CommandStarted carries the command's headers");
        }
    }

    @Test
    void executeWithATimeout_throughTheContext_timesOutAHungNestedCommand() throws Exception {
        var nested = new CompletableFuture<CommandResult<String>>();
        var interrupted = new CompletableFuture<Boolean>();
        try (var bus = bus("ctx-timeout")) {
            bus.registerCommand(Hang.class, (cmd, ctx) -> {
                try {
                    new CountDownLatch(1).await(30, TimeUnit.SECONDS);
                    interrupted.complete(false);
                } catch (InterruptedException e) {
                    interrupted.complete(ctx.isCancelled());
                    throw e;
                }
                return "woke up";
            });
            bus.registerCommand(Ask.class, (cmd, ctx) -> {
                nested.complete(ctx.execute(new Hang(), Duration.ofMillis(100)));
                return "gave up on the nested command";
            });

            assertEquals(CommandResult.success("gave up on the nested command"), bus.execute(new Ask("x"),
                    Duration.ofSeconds(WAIT_SECONDS)));

            var failure = assertInstanceOf(CommandResult.Failure.class, get(nested));
            assertEquals(new FailureCause.TimedOut(Duration.ofMillis(100)), failure.cause());
            assertTrue(bus.awaitIdle(Duration.ofSeconds(WAIT_SECONDS)));
            // A timeout may stop the nested run before its handler began; if it began, it was interrupted.
            assertTrue(interrupted.getNow(true), "the hung handler saw its cancellation");
        }
    }

    @Test
    void executeAsync_throughAnEventContext_runsTheCommandWithTheEventsHeaders() throws Exception {
        var handle = new CompletableFuture<CommandHandle<String>>();
        var inner = new CompletableFuture<Seen>();
        var innerId = new CompletableFuture<MessageId>();
        try (var bus = bus("ctx-async"); var session = bus.openSession("s")) {
            session.registerCommand(Inner.class, (cmd, ctx) -> {
                innerId.complete(ctx.messageId());
                inner.complete(Seen.of(cmd.step(), ctx));
                return "did " + cmd.step();
            });
            session.registerEventHandler(Request.class, (request, ctx) -> handle.complete(
                    ctx.executeAsync(new Inner(request.text()))));

            session.publish(new Request("fetch"), PublishOptions.ofHeaders(Headers.of("trace-id", "t-9")));

            CommandHandle<String> started = get(handle);
            assertEquals(CommandResult.success("did fetch"), started.await(Duration.ofSeconds(WAIT_SECONDS)));
            assertEquals(started.commandId(), get(innerId));
            assertEquals(new Seen("fetch", Map.of("trace-id", "t-9"), Priority.NORMAL, "s"), get(inner));
        }
    }

    @Test
    void schedule_throughTheContext_firesOnTheBusClock_withTheContextsHeaders() throws Exception {
        var clock = new ManualClock(T0);
        var scheduled = new CompletableFuture<ScheduledEvent>();
        var fired = new CompletableFuture<Seen>();
        var firedAt = new CompletableFuture<Instant>();
        try (var bus = MessageBus.builder().name("ctx-schedule").clock(clock).start();
                var session = bus.openSession("s")) {
            session.registerEventHandler(Reminder.class, (reminder, ctx) -> {
                firedAt.complete(ctx.timestamp());
                fired.complete(Seen.of(reminder.text(), ctx));
            });
            session.registerEventHandler(Request.class, (request, ctx) -> scheduled.complete(
                    ctx.schedule(new Reminder("follow up"), Duration.ofMinutes(5))));

            session.publish(new Request("remind me"), PublishOptions.ofHeaders(Headers.of("trace-id", "t-5")));

            ScheduledEvent handle = get(scheduled);
            assertEquals(T0.plus(Duration.ofMinutes(5)), handle.dueAt());
            assertEquals(ScheduledEvent.State.PENDING, handle.state());
            clock.advance(Duration.ofMinutes(4));
            assertEquals(ScheduledEvent.State.PENDING, handle.state());
            assertTrue(!fired.isDone(), "not due yet");

            clock.advance(Duration.ofMinutes(1));

            assertEquals(new Seen("follow up", Map.of("trace-id", "t-5"), Priority.NORMAL, "s"), get(fired));
            assertEquals(T0.plus(Duration.ofMinutes(5)), get(firedAt));
        }
    }

    @Test
    void withAttempt_reportsTheAttempt_andCommandCompletedCarriesTheHighest() throws Exception {
        var attempts = new CompletableFuture<List<Integer>>();
        var completed = new CompletableFuture<CommandCompleted>();
        var badAttempt = new CompletableFuture<Object>();
        try (var bus = bus("ctx-attempts")) {
            bus.subscribe(CommandCompleted.class, completed::complete);
            bus.registerCommand(Ask.class, (cmd, ctx) -> {
                CommandContext third = ctx.withAttempt(3);
                CommandContext second = third.withAttempt(2);
                attempts.complete(List.of(ctx.attempt(), third.attempt(), second.attempt()));
                capture(badAttempt, () -> ctx.withAttempt(0));
                return third.messageId().equals(ctx.messageId()) && third.headers().equals(ctx.headers())
                        ? "same envelope" : "different envelope";
            });

            CommandResult<String> result = bus.execute(new Ask("retry"));

            assertEquals(CommandResult.success("same envelope"), result);
            assertEquals(List.of(1, 3, 2), get(attempts));
            assertInstanceOf(IllegalArgumentException.class, get(badAttempt));
            CommandCompleted done = get(completed);
            assertEquals(3, done.attempts(), "the highest attempt reported, not the last");
            assertEquals(result, done.result());
        }
    }

    @Test
    void withAttempt_onAnEventContext_keepsTheEnvelope() throws Exception {
        var seen = new CompletableFuture<List<Object>>();
        try (var bus = bus("ctx-event-attempt")) {
            bus.registerEventHandler(Request.class, (request, ctx) -> {
                EventContext again = ctx.withAttempt(2);
                seen.complete(List.of(ctx.attempt(), again.attempt(), again.messageId().equals(ctx.messageId()),
                        again.headers().asMap()));
            });

            bus.publish(new Request("x"), PublishOptions.ofHeaders(Headers.of("k", "v")));

            assertEquals(List.of(1, 2, true, Map.of("k", "v")), get(seen));
        }
    }

    @Test
    void anEventContextUsedAfterItsHandlerReturned_stillWorksInItsSession_untilTheSessionCloses()
            throws Exception {
        var captured = new AtomicReference<EventContext>();
        var replies = new java.util.concurrent.CopyOnWriteArrayList<String>();
        try (var bus = bus("ctx-late-event")) {
            var session = bus.openSession("s");
            session.registerEventHandler(Request.class, (request, ctx) -> captured.set(ctx));
            session.subscribe(Reply.class, reply -> replies.add(reply.text()));

            DeliveryOutcome outcome = session.publishAndWait(new Request("once"),
                    PublishOptions.ofHeaders(Headers.of("trace-id", "t-7")), Duration.ofSeconds(WAIT_SECONDS));

            var delivered = assertInstanceOf(DeliveryOutcome.Delivered.class, outcome);
            EventContext ctx = captured.get();
            // the documented rule: a callback the handler left behind (a token stream) may go on
            // publishing follow-ups into the event's session, with its headers, while it is open
            assertTrue(ctx.publish(new Reply("late")).isAccepted());
            assertTrue(session.awaitIdle(Duration.ofSeconds(WAIT_SECONDS)));
            assertEquals(List.of("late"), replies);
            assertEquals(delivered.eventId(), ctx.messageId());
            assertEquals(Headers.of("trace-id", "t-7"), ctx.headers());
            assertEquals("s", ctx.sessionId());
            assertEquals(Priority.NORMAL, ctx.priority());
            assertTrue(ctx.deadline().isEmpty());

            session.close();
            var refused = assertInstanceOf(PublishOutcome.Rejected.class, ctx.publish(new Reply("too late")));
            assertEquals(RejectionReason.SESSION_CLOSED, refused.reason());
            assertTrue(refused.detail().contains("'s'"), refused.detail());
            var unavailable = assertInstanceOf(CommandResult.Failure.class, ctx.execute(new Ask("too late")));
            assertInstanceOf(FailureCause.Unavailable.class, unavailable.cause());
            assertThrows(SessionClosedException.class, () -> ctx.schedule(new Reminder("too late"), Duration.ZERO));
            assertEquals(List.of("late"), replies);
        }
    }

    @Test
    void aCommandContextUsedAfterItsHandlerReturned_throwsNamingTheCommand_butItsEnvelopeStaysReadable()
            throws Exception {
        var captured = new AtomicReference<CommandContext>();
        var replies = new CopyOnWriteArrayList<Reply>();
        try (var bus = bus("ctx-late-command")) {
            bus.subscribe(Reply.class, replies::add);
            bus.registerCommand(Inner.class, (cmd, ctx) -> "never");
            bus.registerCommand(Ask.class, (cmd, ctx) -> {
                captured.set(ctx);
                return "answered";
            });

            CommandHandle<String> handle = bus.executeAsync(new Ask("once"), ExecuteOptions.defaults()
                    .withHeader("trace-id", "t-8").withTimeout(Duration.ofMinutes(1)));
            assertEquals(CommandResult.success("answered"), handle.await(Duration.ofSeconds(WAIT_SECONDS)));

            CommandContext ctx = captured.get();
            for (var late : List.<org.junit.jupiter.api.function.Executable>of(
                    () -> ctx.publish(new Reply("late")),
                    () -> ctx.schedule(new Reminder("late"), Duration.ofMinutes(1)),
                    () -> ctx.execute(new Inner("late")),
                    () -> ctx.execute(new Inner("late"), ExecuteOptions.defaults()),
                    () -> ctx.executeAsync(new Inner("late")),
                    () -> ctx.withAttempt(2).execute(new Inner("late")))) {
                var error = assertThrows(IllegalStateException.class, late);
                assertTrue(error.getMessage().contains("Ask"), error.getMessage());
                assertTrue(error.getMessage().contains(handle.commandId().toString()), error.getMessage());
                assertTrue(error.getMessage().contains("already returned"), error.getMessage());
            }
            assertEquals(handle.commandId(), ctx.messageId());
            assertEquals(Headers.of("trace-id", "t-8"), ctx.headers());
            assertNull(ctx.sessionId());
            assertTrue(ctx.deadline().isPresent());
            assertTrue(bus.awaitIdle(Duration.ofSeconds(WAIT_SECONDS)));
            assertEquals(1, bus.stats().commands().executed(), "only the first command ran");
            assertTrue(replies.isEmpty());
            assertTrue(bus.scheduledEvents().isEmpty());
        }
    }
}
