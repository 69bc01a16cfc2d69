package org.llmgine.bus.bridge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.llmgine.bus.MessageBus;
import org.llmgine.bus.bridge.memory.InMemoryTransport;
import org.llmgine.bus.codec.JsonCodec;
import org.llmgine.bus.codec.RestoredThrowable;
import org.llmgine.bus.message.Command;
import org.llmgine.bus.message.CommandResult;
import org.llmgine.bus.message.FailureCause;

/** Commands whose handlers live on another bus, over the in-memory transport. */
@SuppressWarnings("try") // bridges are kept open by try-with-resources
final class RemoteCommandsTest {

    record Answer(String text, int tokens) {}

    record AskModel(String prompt) implements Command<Answer> {}

    record Hang(int n) implements Command<String> {}

    record Local(int n) implements Command<String> {}

    static final JsonCodec CODEC = JsonCodec.builder().register("ask", AskModel.class).register("answer", Answer.class)
            .register("hang", Hang.class).register("local", Local.class).build();
    private static final Duration WAIT = Duration.ofSeconds(20);

    private static Bridge caller(MessageBus bus, InMemoryTransport transport) {
        return Bridge.builder(bus, transport, CODEC).commandRoute(AskModel.class, "model-calls")
                .commandRoute(Hang.class, "model-calls").start();
    }

    private static Bridge server(MessageBus bus, InMemoryTransport transport) {
        return Bridge.builder(bus, transport, CODEC).serveCommands("model-workers", "model-calls").start();
    }

    /** A handler that runs until it is interrupted (for the test's deadline at most), counting both moments down. */
    private static org.llmgine.bus.handler.CommandHandler<Hang, String> hangsUntilInterrupted(CountDownLatch started,
            CountDownLatch interrupted) {
        return (cmd, ctx) -> {
            started.countDown();
            try {
                new CountDownLatch(1).await(WAIT.toSeconds(), TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                interrupted.countDown();
                throw e;
            }
            return "never";
        };
    }

    @Test
    void aRemoteHandlersTypedResult_reachesTheCaller_runInTheCallersSession() throws Exception {
        var transport = InMemoryTransport.create();
        var sessions = ConcurrentHashMap.<String>newKeySet();
        try (MessageBus a = MessageBus.builder().name("caller").start(); MessageBus w = MessageBus.builder().name("worker").start();
                Bridge call = caller(a, transport); Bridge serve = server(w, transport)) {
            w.registerCommand(AskModel.class, (cmd, ctx) -> {
                sessions.add(String.valueOf(ctx.sessionId()));
                return new Answer("echo " + cmd.prompt(), cmd.prompt().length());
            });
            CommandResult<Answer> result = call.execute(new AskModel("hello"), "chat-7", WAIT)
                    .get(WAIT.toSeconds(), TimeUnit.SECONDS);
            assertEquals(new Answer("echo hello", 5), result.orThrow());
            assertEquals(Set.of("chat-7"), sessions, "run in the caller's session, opened on the worker");
            assertEquals(1, call.stats().commands().requested());
            assertEquals(1, call.stats().commands().replied());
            assertEquals(1, serve.stats().commands().served());
        }
    }

    @Test
    void aRemoteHandlersFailure_isTypedOnTheCallersSide() throws Exception {
        var transport = InMemoryTransport.create();
        try (MessageBus a = MessageBus.builder().name("caller").start(); MessageBus w = MessageBus.builder().name("worker").start();
                Bridge call = caller(a, transport); Bridge serve = server(w, transport)) {
            w.registerCommand(AskModel.class, (cmd, ctx) -> {
                throw new IllegalStateException("provider down for " + cmd.prompt());
            });
            CommandResult<Answer> result = call.execute(new AskModel("x"), null, WAIT).get(WAIT.toSeconds(), TimeUnit.SECONDS);
            var threw = assertInstanceOf(FailureCause.HandlerThrew.class, ((CommandResult.Failure<Answer>) result).cause());
            var error = assertInstanceOf(RestoredThrowable.class, threw.error());
            assertEquals(IllegalStateException.class.getName(), error.originalClassName());
            assertEquals("provider down for x", error.getMessage());
        }
    }

    @Test
    void theCallersTimeout_endsTheCallAsTimedOut_andTheRemoteRunIsStopped() throws Exception {
        var transport = InMemoryTransport.create();
        var interrupted = new CountDownLatch(1);
        var started = new CountDownLatch(1);
        try (MessageBus a = MessageBus.builder().name("caller").start(); MessageBus w = MessageBus.builder().name("worker").start();
                Bridge call = caller(a, transport); Bridge serve = server(w, transport)) {
            w.registerCommand(Hang.class, hangsUntilInterrupted(started, interrupted));
            CommandResult<String> result = call.execute(new Hang(1), "s", Duration.ofMillis(300))
                    .get(WAIT.toSeconds(), TimeUnit.SECONDS);
            assertEquals(new FailureCause.TimedOut(Duration.ofMillis(300)), ((CommandResult.Failure<String>) result).cause());
            assertTrue(started.await(WAIT.toSeconds(), TimeUnit.SECONDS));
            assertTrue(interrupted.await(WAIT.toSeconds(), TimeUnit.SECONDS), "the remote run was stopped");
        }
    }

    @Test
    void cancellingTheCall_cancelsTheRemoteRun() throws Exception {
        var transport = InMemoryTransport.create();
        var interrupted = new CountDownLatch(1);
        var started = new CountDownLatch(1);
        try (MessageBus a = MessageBus.builder().name("caller").start(); MessageBus w = MessageBus.builder().name("worker").start();
                Bridge call = caller(a, transport); Bridge serve = server(w, transport)) {
            w.registerCommand(Hang.class, hangsUntilInterrupted(started, interrupted));
            CompletableFuture<CommandResult<String>> future = call.execute(new Hang(2), "s", WAIT);
            assertTrue(started.await(WAIT.toSeconds(), TimeUnit.SECONDS));
            assertTrue(future.cancel(true));
            assertTrue(interrupted.await(WAIT.toSeconds(), TimeUnit.SECONDS), "the user's stop reached the remote handler");
        }
    }

    @Test
    void aCommandTypeWithoutARoute_failsWithNoHandler_andABridgeWithoutRoutesRefusesToExecute() throws Exception {
        var transport = InMemoryTransport.create();
        try (MessageBus a = MessageBus.builder().name("caller").start(); Bridge call = caller(a, transport);
                Bridge events = Bridge.builder(a, transport, CODEC).consume(Consume.broadcast("x")).start()) {
            CommandResult<String> result = call.execute(new Local(1), null, WAIT).get(WAIT.toSeconds(), TimeUnit.SECONDS);
            assertInstanceOf(FailureCause.NoHandler.class, ((CommandResult.Failure<String>) result).cause());
            assertThrows(IllegalStateException.class, () -> events.execute(new Local(1), null, WAIT));
        }
    }

    @Test
    void competingServers_shareTheCommands_andEveryCallGetsExactlyItsOwnResult() throws Exception {
        var transport = InMemoryTransport.builder().partitions(8).build();
        var servedBy = new ConcurrentHashMap<String, String>();
        try (MessageBus a = MessageBus.builder().name("caller").start();
                MessageBus w1 = MessageBus.builder().name("w1").start(); MessageBus w2 = MessageBus.builder().name("w2").start();
                Bridge call = caller(a, transport); Bridge s1 = server(w1, transport); Bridge s2 = server(w2, transport)) {
            for (MessageBus w : List.of(w1, w2)) {
                w.registerCommand(AskModel.class, (cmd, ctx) -> {
                    servedBy.put(cmd.prompt(), w.name());
                    return new Answer(cmd.prompt().toUpperCase(java.util.Locale.ROOT), 1);
                });
            }
            List<CompletableFuture<CommandResult<Answer>>> calls = new ArrayList<>();
            for (int i = 0; i < 200; i++) {
                calls.add(call.execute(new AskModel("q" + i), "s" + (i % 20), WAIT));
            }
            for (int i = 0; i < 200; i++) {
                assertEquals(new Answer("Q" + i, 1), calls.get(i).get(WAIT.toSeconds(), TimeUnit.SECONDS).orThrow());
            }
            assertEquals(200, servedBy.size());
            assertEquals(Set.of("w1", "w2"), Set.copyOf(servedBy.values()), "both servers took work");
            assertEquals(200, s1.stats().commands().served() + s2.stats().commands().served());
            assertEquals(0, call.stats().commands().late());
        }
    }
}
