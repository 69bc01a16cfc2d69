package org.llmgine.bus;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.llmgine.bus.message.ApprovalCommand;
import org.llmgine.bus.message.Command;
import org.llmgine.bus.message.CommandResult;
import org.llmgine.bus.message.FailureCause;
import org.llmgine.bus.message.MessageId;

/**
 * Stopping a command: through its handle, its result future, its id, its timeout, and a zero
 * timeout that never starts it. Handlers only record what they saw (the interrupt, the context's
 * cancellation flag, the deadline); the test thread asserts, always with a deadline.
 */
final class CancellationTest {

    private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
    private static final long WAIT_SECONDS = 10;

    /** A command whose handler hangs until it is interrupted (or released). */
    record Generate(String prompt) implements Command<String> {}

    /** A command whose handler returns at once. */
    record Quick(String name) implements Command<String> {}

    /** An approval command nobody decides on (the manual clock never expires it). */
    record DropTable(String table) implements ApprovalCommand<String> {
        @Override
        public String approver() {
            return "dba";
        }

        @Override
        public Duration approvalTimeout() {
            return Duration.ofHours(1);
        }
    }

    /**
     * What a hanging handler saw. {@code started} completes with the handler's command id when it
     * begins; {@code ended} with "interrupted, cancelled=<flag>" when the interrupt reached it, or
     * "released" / "timed out" otherwise.
     */
    static final class Hanging {
        final CompletableFuture<MessageId> started = new CompletableFuture<>();
        final CompletableFuture<String> ended = new CompletableFuture<>();
        final CountDownLatch release = new CountDownLatch(1);

        void register(MessageScope scope) {
            scope.registerCommand(Generate.class, (cmd, ctx) -> {
                started.complete(ctx.messageId());
                try {
                    ended.complete(release.await(30, TimeUnit.SECONDS) ? "released" : "timed out");
                } catch (InterruptedException e) {
                    ended.complete("interrupted, cancelled=" + ctx.isCancelled());
                    throw e;
                }
                return "generated " + cmd.prompt();
            });
        }

        MessageId awaitStarted() throws Exception {
            return started.get(WAIT_SECONDS, TimeUnit.SECONDS);
        }

        String awaitEnded() throws Exception {
            return ended.get(WAIT_SECONDS, TimeUnit.SECONDS);
        }

        /**
         * After the run ended ({@code awaitIdle}): a timeout may stop a run before its handler
         * began; if the handler did begin, the interrupt must have reached it.
         */
        void assertInterruptedIfStarted() {
            if (started.isDone()) {
                assertEquals("interrupted, cancelled=true", ended.getNow("still running"));
            }
        }
    }

    private static MessageBus bus() {
        return MessageBus.builder().name("cancel").start();
    }

    private static void awaitUntil(String what, BooleanSupplier condition) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_SECONDS);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError(what + " within " + WAIT_SECONDS + " s");
            }
            Thread.onSpinWait();
        }
    }

    private static FailureCause causeOf(CommandResult<?> result) {
        return assertInstanceOf(CommandResult.Failure.class, result).cause();
    }

    @Test
    void cancelThroughTheHandle_interruptsTheRunningHandler_andFailsWithCancelledOfTheReason() throws Exception {
        var hanging = new Hanging();
        try (var bus = bus()) {
            hanging.register(bus);
            CommandHandle<String> handle = bus.executeAsync(new Generate("a story"));
            hanging.awaitStarted();
            assertFalse(handle.isDone());

            assertTrue(handle.cancel("user pressed stop"));

            CommandResult<String> result = handle.result().get(WAIT_SECONDS, TimeUnit.SECONDS);
            assertEquals(new FailureCause.Cancelled("user pressed stop"), causeOf(result));
            assertTrue(handle.isDone());
            assertEquals(result, handle.await(Duration.ofSeconds(WAIT_SECONDS)));
            assertEquals("interrupted, cancelled=true", hanging.awaitEnded());
            assertFalse(handle.cancel("again"), "a second cancel finds it decided");
        }
    }

    @Test
    void cancellingTheResultFuture_cancelsTheCommand_andTheFutureCompletesNormally() throws Exception {
        var hanging = new Hanging();
        try (var bus = bus()) {
            hanging.register(bus);
            CommandHandle<String> handle = bus.executeAsync(new Generate("a poem"));
            hanging.awaitStarted();
            CompletableFuture<CommandResult<String>> future = handle.result();

            assertTrue(future.cancel(true));

            CommandResult<String> result = future.get(WAIT_SECONDS, TimeUnit.SECONDS);
            assertInstanceOf(FailureCause.Cancelled.class, causeOf(result));
            assertFalse(future.isCancelled(), "the future completed with a result, not as cancelled");
            assertFalse(future.isCompletedExceptionally());
            assertEquals("interrupted, cancelled=true", hanging.awaitEnded());
            assertFalse(future.cancel(true), "already decided");
        }
    }

    @Test
    void completingTheResultFutureFromOutside_cannotInventAResult_andCompleteExceptionallyCancels() throws Exception {
        var hanging = new Hanging();
        try (var bus = bus()) {
            hanging.register(bus);
            CommandHandle<String> handle = bus.executeAsync(new Generate("an essay"));
            hanging.awaitStarted();
            CompletableFuture<CommandResult<String>> future = handle.result();

            assertThrows(UnsupportedOperationException.class, () -> future.complete(CommandResult.success("made up")));
            assertThrows(UnsupportedOperationException.class, () -> future.obtrudeValue(CommandResult.success("x")));
            assertThrows(UnsupportedOperationException.class,
                    () -> future.completeOnTimeout(CommandResult.success("x"), 1, TimeUnit.MILLISECONDS));
            assertFalse(future.isDone(), "the command still runs and its result is still to come");

            assertTrue(future.completeExceptionally(new IllegalStateException("client went away")));

            var cause = assertInstanceOf(FailureCause.Cancelled.class,
                    causeOf(future.get(WAIT_SECONDS, TimeUnit.SECONDS)));
            assertTrue(cause.reason().contains("client went away"), cause.reason());
            assertFalse(future.isCompletedExceptionally());
            assertEquals("interrupted, cancelled=true", hanging.awaitEnded());
        }
    }

    @Test
    void orTimeoutOnTheResultFuture_stopsTheCommandWithTimedOut_insteadOfFailingTheFuture() throws Exception {
        var hanging = new Hanging();
        try (var bus = bus()) {
            hanging.register(bus);
            CommandHandle<String> handle = bus.executeAsync(new Generate("a novel"));
            hanging.awaitStarted();

            CommandResult<String> result = handle.result().orTimeout(50, TimeUnit.MILLISECONDS)
                    .get(WAIT_SECONDS, TimeUnit.SECONDS);

            assertEquals(new FailureCause.TimedOut(Duration.ofMillis(50)), causeOf(result));
            assertFalse(handle.result().isCompletedExceptionally());
            assertEquals("interrupted, cancelled=true", hanging.awaitEnded());
        }
    }

    @Test
    void cancellingACommandPendingApproval_withdrawsTheRequest_andFailsWithCancelled() throws Exception {
        var clock = new ManualClock(T0);
        var handlerRuns = new AtomicInteger();
        try (var bus = MessageBus.builder().name("cancel-approval").clock(clock).start()) {
            bus.registerCommand(DropTable.class, (cmd, ctx) -> {
                handlerRuns.incrementAndGet();
                return "dropped " + cmd.table();
            });
            CommandHandle<String> handle = bus.executeAsync(new DropTable("users"));
            awaitUntil("an approval request appears", () -> !bus.pendingApprovals().isEmpty());
            PendingApproval pending = bus.pendingApprovals().get(0);
            assertEquals(handle.commandId(), pending.commandId());

            assertTrue(handle.cancel("ticket withdrawn"));

            CommandResult<String> result = handle.result().get(WAIT_SECONDS, TimeUnit.SECONDS);
            assertEquals(new FailureCause.Cancelled("ticket withdrawn"), causeOf(result));
            // Withdrawn before the result is known: whoever sees Cancelled cannot approve it any more.
            assertEquals(java.util.List.of(), bus.pendingApprovals());
            assertThrows(IllegalArgumentException.class, () -> bus.approve(handle.commandId()),
                    "a cancelled request can no longer be approved");
            assertTrue(bus.awaitIdle(Duration.ofSeconds(WAIT_SECONDS)));
            assertEquals(0, handlerRuns.get(), "the handler never ran");
            assertEquals(1, bus.stats().approvals().cancelled());
            assertEquals(0, bus.stats().approvals().approved());
            assertEquals(1, bus.stats().commands().cancelled());
        }
    }

    @Test
    void aTimeoutWhilePendingApproval_withdrawsTheRequest_beforeTheCallerSeesTimedOut() throws Exception {
        var clock = new ManualClock(T0);
        var handlerRuns = new AtomicInteger();
        try (var bus = MessageBus.builder().name("timeout-approval").clock(clock).start()) {
            bus.registerCommand(DropTable.class, (cmd, ctx) -> {
                handlerRuns.incrementAndGet();
                return "dropped " + cmd.table();
            });

            CommandResult<String> result = bus.execute(new DropTable("orders"), Duration.ofMillis(100));

            assertEquals(new FailureCause.TimedOut(Duration.ofMillis(100)), causeOf(result));
            assertEquals(java.util.List.of(), bus.pendingApprovals());
            assertTrue(bus.awaitIdle(Duration.ofSeconds(WAIT_SECONDS)));
            assertEquals(0, handlerRuns.get());
            assertEquals(0, bus.stats().approvals().approved());
        }
    }

    @Test
    void cancelCommandById_theIdOfTheHandleIsTheHandlersMessageId() throws Exception {
        var hanging = new Hanging();
        try (var bus = bus(); var session = bus.openSession("chat")) {
            hanging.register(session);
            CommandHandle<String> handle = session.executeAsync(new Generate("a reply"));
            MessageId seenByHandler = hanging.awaitStarted();
            assertEquals(handle.commandId(), seenByHandler);
            assertEquals(MessageId.Kind.COMMAND, seenByHandler.kind());
            assertEquals(bus.instanceId(), seenByHandler.origin());

            assertTrue(bus.cancelCommand(seenByHandler, "stop generating"));

            CommandResult<String> result = handle.result().get(WAIT_SECONDS, TimeUnit.SECONDS);
            assertEquals(new FailureCause.Cancelled("stop generating"), causeOf(result));
            assertEquals("interrupted, cancelled=true", hanging.awaitEnded());
            assertFalse(bus.cancelCommand(seenByHandler, "again"));
            assertFalse(bus.cancelCommand(new MessageId(bus.instanceId(), MessageId.Kind.COMMAND, 999), "unknown"));
            assertFalse(bus.cancelCommand(new MessageId(bus.instanceId(), MessageId.Kind.EVENT,
                    seenByHandler.sequence()), "an event id"));
            assertThrows(IllegalArgumentException.class, () -> bus.cancelCommand(seenByHandler, " "));
        }
    }

    @Test
    void cancelAfterCompletion_returnsFalse_andLeavesTheResult() throws Exception {
        try (var bus = bus()) {
            bus.registerCommand(Quick.class, (cmd, ctx) -> "done " + cmd.name());
            CommandHandle<String> handle = bus.executeAsync(new Quick("q"));
            CommandResult<String> result = handle.result().get(WAIT_SECONDS, TimeUnit.SECONDS);
            assertEquals(CommandResult.success("done q"), result);

            assertFalse(handle.cancel("too late"));
            assertFalse(handle.result().cancel(true));
            assertFalse(bus.cancelCommand(handle.commandId(), "too late"));
            assertTrue(bus.awaitIdle(Duration.ofSeconds(WAIT_SECONDS)));
            assertFalse(bus.cancelCommand(handle.commandId(), "too late"), "nor once the run has ended");

            assertEquals(result, handle.await());
            assertEquals(0, bus.stats().commands().cancelled());
        }
    }

    @Test
    void aZeroTimeout_failsWithTimedOutAtOnce_withoutRunningTheHandler() throws Exception {
        var runs = new AtomicInteger();
        try (var bus = bus()) {
            bus.registerCommand(Quick.class, (cmd, ctx) -> {
                runs.incrementAndGet();
                return "ran";
            });

            CommandResult<String> result = bus.execute(new Quick("now"), Duration.ZERO);
            assertEquals(new FailureCause.TimedOut(Duration.parse("PT0S")), causeOf(result));

            CommandHandle<String> handle = bus.executeAsync(new Quick("now"),
                    ExecuteOptions.defaults().withTimeout(Duration.ZERO));
            assertTrue(handle.isDone(), "known at once");
            assertEquals(new FailureCause.TimedOut(Duration.ZERO), causeOf(handle.await()));
            assertEquals(MessageId.Kind.COMMAND, handle.commandId().kind());
            assertFalse(handle.cancel("nothing to cancel"));

            assertTrue(bus.awaitIdle(Duration.ofSeconds(WAIT_SECONDS)));
            assertEquals(0, runs.get());
            assertEquals(2, bus.stats().commands().failed());
            assertEquals(0, bus.stats().commands().cancelled(), "a timeout is not a cancellation");
        }
    }

    @Test
    void theDeadlineOfTheContext_isTheTimeoutOnTheBusClock() throws Exception {
        var clock = new ManualClock(T0);
        var deadlines = new java.util.concurrent.CopyOnWriteArrayList<Optional<Instant>>();
        var timestamps = new java.util.concurrent.CopyOnWriteArrayList<Instant>();
        try (var bus = MessageBus.builder().name("deadline").clock(clock).start()) {
            bus.registerCommand(Quick.class, (cmd, ctx) -> {
                deadlines.add(ctx.deadline());
                timestamps.add(ctx.timestamp());
                return "ok";
            });
            clock.advance(Duration.ofHours(1));
            Instant now = T0.plus(Duration.ofHours(1));

            bus.execute(new Quick("options"), ExecuteOptions.defaults().withTimeout(Duration.ofMinutes(2))).orThrow();
            bus.execute(new Quick("duration"), Duration.ofSeconds(30)).orThrow();
            bus.execute(new Quick("none")).orThrow();
            bus.executeAsync(new Quick("async"), ExecuteOptions.defaults().withTimeout(Duration.ofMinutes(5)))
                    .await(Duration.ofSeconds(WAIT_SECONDS)).orThrow();

            assertEquals(java.util.List.of(Optional.of(now.plus(Duration.ofMinutes(2))),
                    Optional.of(now.plusSeconds(30)), Optional.empty(), Optional.of(now.plus(Duration.ofMinutes(5)))),
                    deadlines);
            assertEquals(java.util.List.of(now, now, now, now), timestamps);
        }
    }

    @Test
    void aTimeoutTooLongForNanoseconds_meansNoPracticalDeadline() throws Exception {
        var deadline = new CompletableFuture<Optional<Instant>>();
        try (var bus = bus()) {
            bus.registerCommand(Quick.class, (cmd, ctx) -> {
                deadline.complete(ctx.deadline());
                return "ok " + cmd.name();
            });
            Duration forever = Duration.ofSeconds(Long.MAX_VALUE);

            assertEquals(CommandResult.success("ok sync"), bus.execute(new Quick("sync"), forever));
            assertEquals(Optional.of(Instant.MAX), deadline.get(WAIT_SECONDS, TimeUnit.SECONDS));
            CommandHandle<String> handle = bus.executeAsync(new Quick("async"),
                    ExecuteOptions.defaults().withTimeout(forever));
            assertEquals(CommandResult.success("ok async"), handle.await(forever));
        }
    }

    @Test
    void executeAsyncWithATimeout_stopsTheRunWithTimedOut() throws Exception {
        var hanging = new Hanging();
        try (var bus = bus()) {
            hanging.register(bus);
            CommandHandle<String> handle = bus.executeAsync(new Generate("slow"),
                    ExecuteOptions.defaults().withTimeout(Duration.ofMillis(100)));

            CommandResult<String> result = handle.result().get(WAIT_SECONDS, TimeUnit.SECONDS);

            assertEquals(new FailureCause.TimedOut(Duration.ofMillis(100)), causeOf(result));
            assertTrue(bus.awaitIdle(Duration.ofSeconds(WAIT_SECONDS)));
            hanging.assertInterruptedIfStarted();
            assertEquals(0, bus.stats().commands().cancelled());
            assertEquals(1, bus.stats().commands().failed());
        }
    }

    @Test
    void executeWithATimeout_returnsTimedOut_andInterruptsTheHandler() throws Exception {
        var hanging = new Hanging();
        try (var bus = bus()) {
            hanging.register(bus);

            CommandResult<String> result = bus.execute(new Generate("slow"), Duration.ofMillis(100));

            assertEquals(new FailureCause.TimedOut(Duration.ofMillis(100)), causeOf(result));
            assertTrue(bus.awaitIdle(Duration.ofSeconds(WAIT_SECONDS)));
            hanging.assertInterruptedIfStarted();
        }
    }

    @Test
    void stats_countEveryCancellation_afterTheRunsEnded() throws Exception {
        var hanging = new Hanging();
        try (var bus = bus()) {
            hanging.register(bus);
            bus.registerCommand(Quick.class, (cmd, ctx) -> "ok");

            CommandHandle<String> first = bus.executeAsync(new Generate("1"));
            first.cancel("by handle");
            CommandHandle<String> second = bus.executeAsync(new Generate("2"));
            second.result().cancel(true);
            CommandHandle<String> third = bus.executeAsync(new Generate("3"));
            bus.cancelCommand(third.commandId(), "by id");
            bus.execute(new Quick("fine")).orThrow();
            for (CommandHandle<String> handle : java.util.List.of(first, second, third)) {
                assertInstanceOf(FailureCause.Cancelled.class, causeOf(handle.await(Duration.ofSeconds(WAIT_SECONDS))));
            }

            // The caller learns the result first; a run counts once its thread finished the accounting.
            assertTrue(bus.awaitIdle(Duration.ofSeconds(WAIT_SECONDS)));
            BusStats.Commands commands = bus.stats().commands();
            assertEquals(3, commands.cancelled());
            assertEquals(3, commands.failed());
            assertEquals(1, commands.succeeded());
            assertEquals(4, commands.executed());
            assertEquals(0, commands.running());
        }
    }
}
