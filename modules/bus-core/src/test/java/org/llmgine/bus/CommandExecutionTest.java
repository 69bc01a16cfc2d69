package org.llmgine.bus;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.llmgine.bus.message.Command;
import org.llmgine.bus.message.CommandCompleted;
import org.llmgine.bus.message.CommandFailedException;
import org.llmgine.bus.message.CommandResult;
import org.llmgine.bus.message.CommandStarted;
import org.llmgine.bus.message.Event;
import org.llmgine.bus.message.FailureCause;
import org.llmgine.bus.message.LifecycleEvent;

final class CommandExecutionTest {

    record Ask(String prompt) implements Command<String> {}

    record Count(int n) implements Command<Integer> {}

    record Progress(String step) implements Event {}

    /** A non-record command hierarchy, to check that lookup uses the exact class. */
    static class BaseCommand implements Command<String> {}

    static final class SpecialCommand extends BaseCommand {}

    private final MessageBus bus = MessageBus.builder().name("commands").start();

    @AfterEach
    void close() {
        bus.close();
    }

    @Test
    void execute_returnsTheHandlersValue() {
        bus.registerCommand(Ask.class, (cmd, ctx) -> "answer to " + cmd.prompt());

        CommandResult<String> result = bus.execute(new Ask("life"));

        assertEquals(new CommandResult.Success<>("answer to life"), result);
        assertEquals("answer to life", result.orThrow());
    }

    @Test
    void execute_withoutHandler_failsWithNoHandlerNamingTheType() {
        CommandResult<String> result = bus.execute(new Ask("anyone?"));

        var failure = assertInstanceOf(CommandResult.Failure.class, result);
        var cause = assertInstanceOf(FailureCause.NoHandler.class, failure.cause());
        assertEquals(Ask.class, cause.commandType());
        assertNull(cause.sessionId());
        assertTrue(cause.describe().contains(Ask.class.getName()), cause.describe());
        assertEquals(1, bus.stats().commands().failed());
    }

    @Test
    void execute_whenHandlerThrows_failsWithThatException() {
        var boom = new IOException("model unavailable");
        bus.registerCommand(Ask.class, (cmd, ctx) -> {
            throw boom;
        });

        CommandResult<String> result = bus.execute(new Ask("x"));

        var failure = assertInstanceOf(CommandResult.Failure.class, result);
        assertEquals(new FailureCause.HandlerThrew(boom), failure.cause());
        var thrown = assertThrows(CommandFailedException.class, result::orThrow);
        assertEquals(boom, thrown.getCause());
    }

    @Test
    void execute_whenHandlerReturnsNull_failsInsteadOfReturningNull() {
        bus.registerCommand(Ask.class, (cmd, ctx) -> nullString());

        var failure = assertInstanceOf(CommandResult.Failure.class, bus.execute(new Ask("x")));
        var cause = assertInstanceOf(FailureCause.HandlerThrew.class, failure.cause());
        assertInstanceOf(NullPointerException.class, cause.error());
        assertTrue(cause.error().getMessage().contains(Ask.class.getName()), cause.error().getMessage());
    }

    private static String nullString() {
        return null;
    }

    @Test
    void execute_inSession_prefersTheSessionHandlerAndFallsBackToTheBusScope() {
        bus.registerCommand(Ask.class, (cmd, ctx) -> "bus");
        bus.registerCommand(Count.class, (cmd, ctx) -> cmd.n() * 10);
        try (var session = bus.openSession("s1")) {
            session.registerCommand(Ask.class, (cmd, ctx) -> "session " + ctx.sessionId());

            assertEquals("session s1", session.execute(new Ask("x")).orThrow());
            assertEquals(30, session.execute(new Count(3)).orThrow());
            assertEquals("bus", bus.execute(new Ask("x")).orThrow());
        }
    }

    @Test
    void execute_handlerOfOneSessionIsNotFoundFromAnother() {
        try (var a = bus.openSession("a"); var b = bus.openSession("b")) {
            a.registerCommand(Ask.class, (cmd, ctx) -> "a");

            var failure = assertInstanceOf(CommandResult.Failure.class, b.execute(new Ask("x")));
            var cause = assertInstanceOf(FailureCause.NoHandler.class, failure.cause());
            assertEquals("b", cause.sessionId());
        }
    }

    @Test
    void execute_looksUpTheExactClassOnly() {
        bus.registerCommand(BaseCommand.class, (cmd, ctx) -> "base");

        assertEquals("base", bus.execute(new BaseCommand()).orThrow());
        var failure = assertInstanceOf(CommandResult.Failure.class, bus.execute(new SpecialCommand()));
        assertInstanceOf(FailureCause.NoHandler.class, failure.cause());
    }

    @Test
    void registerCommand_twiceInOneScope_failsNamingBothHandlers() {
        bus.registerCommand(Ask.class, new FirstAskHandler());

        var error = assertThrows(IllegalStateException.class,
                () -> bus.registerCommand(Ask.class, (cmd, ctx) -> "second"));

        assertTrue(error.getMessage().contains(Ask.class.getName()), error.getMessage());
        assertTrue(error.getMessage().contains("FirstAskHandler"), error.getMessage());
        assertTrue(error.getMessage().contains("Ask-handler-"), error.getMessage());
        assertTrue(error.getMessage().contains("bus scope"), error.getMessage());
        assertEquals("first", bus.execute(new Ask("x")).orThrow());
    }

    static final class FirstAskHandler implements org.llmgine.bus.handler.CommandHandler<Ask, String> {
        @Override
        public String handle(Ask command, org.llmgine.bus.handler.CommandContext context) {
            return "first";
        }
    }

    @Test
    void registerCommand_sameTypeInBusAndSession_isAllowed_andClosingTheRegistrationRemovesIt() {
        var registration = bus.registerCommand(Ask.class, (cmd, ctx) -> "bus");
        try (var session = bus.openSession("s")) {
            session.registerCommand(Ask.class, (cmd, ctx) -> "session");
        }
        registration.close();
        registration.close();

        assertEquals(false, registration.isActive());
        assertInstanceOf(CommandResult.Failure.class, bus.execute(new Ask("x")));
        bus.registerCommand(Ask.class, (cmd, ctx) -> "again");
        assertEquals("again", bus.execute(new Ask("x")).orThrow());
    }

    @Test
    void executeAsync_completesWithTheResult() throws Exception {
        var release = new CountDownLatch(1);
        bus.registerCommand(Ask.class, (cmd, ctx) -> {
            release.await();
            return "late " + cmd.prompt();
        });

        CompletableFuture<CommandResult<String>> future = bus.executeAsync(new Ask("x")).result();
        assertEquals(false, future.isDone());
        release.countDown();

        assertEquals("late x", future.get(5, TimeUnit.SECONDS).orThrow());
    }

    @Test
    void execute_withTimeout_interruptsTheHandlerAndFailsWithTimedOut() throws Exception {
        var interrupted = new CountDownLatch(1);
        bus.registerCommand(Ask.class, (cmd, ctx) -> {
            try {
                new CountDownLatch(1).await();
                return "never";
            } catch (InterruptedException e) {
                interrupted.countDown();
                throw e;
            }
        });

        var result = bus.execute(new Ask("slow"), Duration.ofMillis(20));

        var failure = assertInstanceOf(CommandResult.Failure.class, result);
        assertEquals(new FailureCause.TimedOut(Duration.ofMillis(20)), failure.cause());
        assertTrue(interrupted.await(5, TimeUnit.SECONDS), "handler was not interrupted");
        assertTrue(bus.awaitIdle(Duration.ofSeconds(5)));
    }

    @Test
    void execute_whenCallerIsInterrupted_cancelsTheHandlerAndKeepsTheFlag() throws Exception {
        var started = new CountDownLatch(1);
        var handlerInterrupted = new CountDownLatch(1);
        bus.registerCommand(Ask.class, (cmd, ctx) -> {
            started.countDown();
            try {
                new CountDownLatch(1).await();
                return "never";
            } catch (InterruptedException e) {
                handlerInterrupted.countDown();
                throw e;
            }
        });
        var callerResult = new CompletableFuture<CommandResult<String>>();
        var flagKept = new CompletableFuture<Boolean>();
        Thread caller = Thread.ofVirtual().start(() -> {
            callerResult.complete(bus.execute(new Ask("x")));
            flagKept.complete(Thread.currentThread().isInterrupted());
        });
        assertTrue(started.await(5, TimeUnit.SECONDS));
        caller.interrupt();

        var failure = assertInstanceOf(CommandResult.Failure.class, callerResult.get(5, TimeUnit.SECONDS));
        assertInstanceOf(FailureCause.Cancelled.class, failure.cause());
        assertTrue(flagKept.get(5, TimeUnit.SECONDS));
        assertTrue(handlerInterrupted.await(5, TimeUnit.SECONDS));
    }

    @Test
    void execute_publishesCommandStartedThenCommandCompleted_inTheCommandsSession() throws Exception {
        List<String> seen = new CopyOnWriteArrayList<>();
        bus.registerCommand(Ask.class, (cmd, ctx) -> "ok");
        try (var session = bus.openSession("s")) {
            session.subscribe(LifecycleEvent.class, e -> {
                switch (e) {
                    case CommandStarted started -> seen.add("started " + started.command());
                    case CommandCompleted completed -> seen.add("completed " + completed.result());
                    default -> { }
                }
            });

            session.execute(new Ask("q"));
            assertTrue(session.awaitIdle(Duration.ofSeconds(5)));
        }

        assertEquals(List.of("started Ask[prompt=q]", "completed Success[value=ok]"), seen);
    }

    @Test
    void context_publishLandsInTheCommandsSession_andNestedExecuteWorks() throws Exception {
        List<String> sessionSeen = new CopyOnWriteArrayList<>();
        bus.registerCommand(Count.class, (cmd, ctx) -> cmd.n() + 1);
        bus.registerCommand(Ask.class, (cmd, ctx) -> {
            ctx.publish(new Progress("thinking in " + ctx.sessionId()));
            return "n=" + ctx.execute(new Count(41)).orThrow();
        });
        try (var session = bus.openSession("chat")) {
            session.subscribe(Progress.class, p -> sessionSeen.add(p.step()));
            try (var other = bus.openSession("other")) {
                other.subscribe(Progress.class, p -> sessionSeen.add("LEAK " + p.step()));

                assertEquals("n=42", session.execute(new Ask("q")).orThrow());
                assertTrue(bus.awaitIdle(Duration.ofSeconds(5)));
            }
        }

        assertEquals(List.of("thinking in chat"), sessionSeen);
    }

    @Test
    void stats_countExecutedAndFailedCommands() {
        bus.registerCommand(Ask.class, (cmd, ctx) -> "ok");
        bus.execute(new Ask("a"));
        bus.execute(new Ask("b"));
        bus.execute(new Count(1));

        BusStats stats = bus.stats();
        assertEquals(3, stats.commands().executed());
        assertEquals(1, stats.commands().failed());
    }
}
