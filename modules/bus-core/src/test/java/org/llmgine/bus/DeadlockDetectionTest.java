package org.llmgine.bus;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.llmgine.bus.message.Command;
import org.llmgine.bus.message.Event;

/**
 * The Python bus deadlocked when a handler waited for an event of its own queue (B-6). Here such a
 * wait fails at once with {@link WouldDeadlockException}; the tests capture what the handler saw
 * and assert it from the test thread, so a failure cannot be swallowed by the bus.
 */
final class DeadlockDetectionTest {

    record Trigger() implements Event {}

    record Echo(int n) implements Event {}

    record Relay() implements Command<String> {}

    private final MessageBus bus = MessageBus.builder().name("deadlocks").start();

    @AfterEach
    void close() {
        bus.close();
    }

    private static void capture(CompletableFuture<Object> outcome, Runnable body) {
        try {
            body.run();
            outcome.complete("no exception");
        } catch (RuntimeException e) {
            outcome.complete(e);
        }
    }

    private static void waitFor(MessageScope scope, Event event) {
        try {
            scope.publishAndWait(event, Duration.ofSeconds(5));
        } catch (InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void publishAndWait_fromAHandler_intoItsOwnSession_failsFast() throws Exception {
        var outcome = new CompletableFuture<Object>();
        try (var session = bus.openSession("s")) {
            session.subscribe(Trigger.class, t -> capture(outcome, () -> waitFor(session, new Echo(1))));
            session.publish(new Trigger());

            var error = assertInstanceOf(WouldDeadlockException.class, outcome.get(5, TimeUnit.SECONDS));
            assertTrue(error.getMessage().contains("session 's'"), error.getMessage());
        }
    }

    @Test
    void publishAndWait_fromABusScopeHandler_intoTheBusScope_failsFast() throws Exception {
        var outcome = new CompletableFuture<Object>();
        bus.subscribe(Trigger.class, t -> capture(outcome, () -> waitFor(bus, new Echo(1))));
        bus.publish(new Trigger());

        assertInstanceOf(WouldDeadlockException.class, outcome.get(5, TimeUnit.SECONDS));
    }

    @Test
    void publishAndWait_fromACommandExecutedByAHandler_intoTheHandlersSession_failsFast() throws Exception {
        var outcome = new CompletableFuture<Object>();
        try (var session = bus.openSession("s")) {
            session.registerCommand(Relay.class, (cmd, ctx) -> {
                capture(outcome, () -> waitFor(session, new Echo(2)));
                return "done";
            });
            session.subscribe(Trigger.class, t -> session.execute(new Relay()));
            session.publish(new Trigger());

            assertInstanceOf(WouldDeadlockException.class, outcome.get(5, TimeUnit.SECONDS));
        }
    }

    @Test
    void publishAndWait_fromAHandler_intoAnotherSession_works() throws Exception {
        var outcome = new CompletableFuture<Object>();
        try (var a = bus.openSession("a"); var b = bus.openSession("b")) {
            var echoes = new java.util.concurrent.atomic.AtomicInteger();
            b.subscribe(Echo.class, e -> echoes.incrementAndGet());
            a.subscribe(Trigger.class, t -> capture(outcome, () -> waitFor(b, new Echo(3))));
            a.publish(new Trigger());

            assertEquals("no exception", outcome.get(5, TimeUnit.SECONDS));
            assertEquals(1, echoes.get());
        }
    }

    @Test
    void awaitIdle_andClose_fromInsideTheBus_failFast() throws Exception {
        var idle = new CompletableFuture<Object>();
        var close = new CompletableFuture<Object>();
        bus.subscribe(Trigger.class, t -> {
            capture(idle, () -> {
                try {
                    bus.awaitIdle(Duration.ofSeconds(5));
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
            });
            capture(close, bus::close);
        });
        bus.publish(new Trigger());

        assertInstanceOf(WouldDeadlockException.class, idle.get(5, TimeUnit.SECONDS));
        assertInstanceOf(WouldDeadlockException.class, close.get(5, TimeUnit.SECONDS));
        assertEquals(BusState.RUNNING, bus.state());
    }

    @Test
    void awaitIdle_ofASession_fromItsOwnHandler_failsFast() throws Exception {
        var outcome = new CompletableFuture<Object>();
        try (var session = bus.openSession("s")) {
            session.subscribe(Trigger.class, t -> capture(outcome, () -> {
                try {
                    session.awaitIdle(Duration.ofSeconds(5));
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
            }));
            session.publish(new Trigger());

            assertInstanceOf(WouldDeadlockException.class, outcome.get(5, TimeUnit.SECONDS));
        }
    }
}
