package org.llmgine.bus;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.llmgine.bus.message.FailureCause;
import org.llmgine.bus.message.CommandResult;
import org.llmgine.bus.handler.Registration;
import org.llmgine.bus.message.Command;
import org.llmgine.bus.message.Event;
import org.llmgine.bus.message.SessionEnded;
import org.llmgine.bus.message.SessionStarted;

final class SessionTest {

    record Note(String text) implements Event {}

    record End() implements Command<Boolean> {}

    private final MessageBus bus = MessageBus.builder().name("sessions").start();

    @AfterEach
    void close() {
        bus.close();
    }

    @Test
    void openAndClose_publishSessionStartedAndEnded_toBusScopeHandlers() throws Exception {
        List<String> seen = new CopyOnWriteArrayList<>();
        bus.subscribe(SessionStarted.class, e -> seen.add("started " + e.sessionId()));
        bus.subscribe(SessionEnded.class, e -> seen.add("ended " + e.sessionId()));

        try (var session = bus.openSession("conversation-42")) {
            assertEquals("conversation-42", session.id());
            assertTrue(session.isOpen());
        }
        assertTrue(bus.awaitIdle(Duration.ofSeconds(5)));

        assertEquals(List.of("started conversation-42", "ended conversation-42"), seen);
    }

    @Test
    void close_removesEverySessionHandlerBeforeSessionEndedIsDelivered() throws Exception {
        List<String> seen = new CopyOnWriteArrayList<>();
        bus.subscribe(SessionEnded.class, e -> seen.add("bus saw ended"));
        Registration registration;
        try (var session = bus.openSession("s")) {
            var refused = assertThrows(IllegalArgumentException.class,
                    () -> session.subscribe(SessionEnded.class, e -> seen.add("session saw ended")));
            assertTrue(refused.getMessage().contains("cannot subscribe to its own SessionEnded"), refused.getMessage());
            registration = session.subscribe(Note.class, n -> seen.add("session saw " + n.text()));
            session.registerCommand(End.class, (cmd, ctx) -> true);
            assertEquals(2, bus.stats().sessions().registeredHandlers() - 1);
        }
        assertTrue(bus.awaitIdle(Duration.ofSeconds(5)));

        assertEquals(List.of("bus saw ended"), seen);
        assertFalse(registration.isActive());
        assertEquals(1, bus.stats().sessions().registeredHandlers());
        assertEquals(0, bus.stats().sessions().active());
    }

    @Test
    void close_deliversTheSessionsAcceptedEventsToItsHandlersFirst() throws Exception {
        List<String> seen = new CopyOnWriteArrayList<>();
        try (var session = bus.openSession("s")) {
            session.subscribe(Note.class, n -> {
                Thread.sleep(1); // a little work, so events are still queued when close starts
                seen.add(n.text());
            });
            for (int i = 0; i < 50; i++) {
                session.publish(new Note("n" + i));
            }
        }

        assertEquals(50, seen.size());
    }

    @Test
    void sessionIsClosed_whenItsBodyThrows() {
        var sessionRef = new ArrayList<Session>();
        var error = assertThrows(IllegalStateException.class, () -> {
            try (var session = bus.openSession("boom")) {
                sessionRef.add(session);
                session.subscribe(Note.class, n -> { });
                throw new IllegalStateException("body failed");
            }
        });

        assertEquals("body failed", error.getMessage());
        assertFalse(sessionRef.get(0).isOpen());
        assertEquals(0, bus.stats().sessions().registeredHandlers());
        assertEquals(RejectionReason.SESSION_CLOSED,
                assertInstanceOf(PublishOutcome.Rejected.class, sessionRef.get(0).publish(new Note("late"))).reason());
    }

    @Test
    void afterClose_eventsCarryingTheSessionReachOnlyBusHandlers_andTheSessionRefusesUse() throws Exception {
        Session session = bus.openSession("gone");
        session.close();
        session.close();

        var error = assertThrows(SessionClosedException.class, () -> session.subscribe(Note.class, n -> { }));
        assertTrue(error.getMessage().contains("'gone'"), error.getMessage());
        assertTrue(error.getMessage().contains("'sessions'"), error.getMessage());
        var failure = assertInstanceOf(CommandResult.Failure.class, session.execute(new End()));
        assertEquals(new FailureCause.Unavailable("session 'gone' of bus 'sessions'", "CLOSED"), failure.cause());
        var notAccepted = assertInstanceOf(DeliveryOutcome.NotAccepted.class, session.publishAndWait(new Note("x")));
        assertEquals(RejectionReason.SESSION_CLOSED,
                assertInstanceOf(PublishOutcome.Rejected.class, notAccepted.outcome()).reason());
    }

    @Test
    void openSession_withAnIdAlreadyOpen_fails_andTheIdCanBeReusedAfterClose() {
        try (var first = bus.openSession("dup")) {
            assertTrue(first.isOpen());
            var error = assertThrows(IllegalStateException.class, () -> bus.openSession("dup"));
            assertTrue(error.getMessage().contains("'dup'"), error.getMessage());
        }
        try (var again = bus.openSession("dup")) {
            assertTrue(again.isOpen());
        }
    }

    @Test
    void openSession_withoutId_usesAUniqueRandomId() {
        try (var a = bus.openSession(); var b = bus.openSession()) {
            assertNotEquals(a.id(), b.id());
            assertEquals(2, bus.stats().sessions().active());
        }
    }

    @Test
    void severalSessionsAtOnce_keepTheirHandlersApart() throws Exception {
        int sessions = 8;
        var counts = new AtomicInteger[sessions];
        var opened = new ArrayList<Session>();
        var leaks = new AtomicInteger();
        for (int i = 0; i < sessions; i++) {
            counts[i] = new AtomicInteger();
            Session session = bus.openSession("s" + i);
            opened.add(session);
            int index = i;
            session.registerEventHandler(Note.class, (n, ctx) -> {
                if (!ctx.sessionId().equals("s" + index)) {
                    leaks.incrementAndGet();
                }
                counts[index].incrementAndGet();
            });
        }
        for (int round = 0; round < 10; round++) {
            for (Session session : opened) {
                session.publish(new Note(session.id()));
            }
        }
        assertTrue(bus.awaitIdle(Duration.ofSeconds(10)));
        opened.forEach(Session::close);

        for (AtomicInteger count : counts) {
            assertEquals(10, count.get());
        }
        assertEquals(0, leaks.get());
    }

    @Test
    void closingASessionFromItsOwnEventHandler_doesNotDeadlock() throws Exception {
        var closed = new CompletableFuture<Boolean>();
        Session session = bus.openSession("self-closing");
        session.subscribe(Note.class, n -> {
            session.close();
            closed.complete(session.isOpen());
        });

        session.publish(new Note("bye"));

        assertEquals(false, closed.get(5, TimeUnit.SECONDS));
    }

    @Test
    void closingASessionFromItsOwnCommandHandler_doesNotDeadlock_andStillDrainsItsEvents() throws Exception {
        List<String> seen = new CopyOnWriteArrayList<>();
        Session session = bus.openSession("self-ending");
        session.subscribe(Note.class, n -> seen.add(n.text()));
        session.registerCommand(End.class, (cmd, ctx) -> {
            ctx.publish(new Note("last words"));
            session.close();
            return !session.isOpen();
        });

        var result = session.executeAsync(new End()).result();

        assertEquals(true, result.get(5, TimeUnit.SECONDS).orThrow());
        assertEquals(List.of("last words"), seen, "close from the command still drained the session's events");
    }

    @Test
    void handlersOfAClosingSession_mayStillPublishIntoIt() throws Exception {
        List<String> seen = new CopyOnWriteArrayList<>();
        var gate = new CountDownLatch(1);
        var session = bus.openSession("chain");
        session.subscribe(Note.class, n -> {
            seen.add(n.text());
            if (n.text().equals("first")) {
                gate.await();
                session.publish(new Note("follow-up"));
            }
        });
        session.publish(new Note("first"));
        var closer = Thread.ofVirtual().start(session::close);
        while (session.isOpen()) {
            Thread.onSpinWait();
        }
        gate.countDown();
        closer.join(Duration.ofSeconds(5));

        assertFalse(closer.isAlive());
        assertEquals(List.of("first", "follow-up"), seen);
    }

    @Test
    void close_waitsForTheSessionsRunningCommands_soTheirLifecycleComesBeforeSessionEnded() throws Exception {
        List<String> seen = new CopyOnWriteArrayList<>();
        bus.subscribe(org.llmgine.bus.message.LifecycleEvent.class, e -> {
            switch (e) {
                case org.llmgine.bus.message.CommandCompleted c -> seen.add("completed");
                case SessionEnded ended -> seen.add("ended");
                default -> { }
            }
        });
        var running = new CountDownLatch(1);
        var release = new CountDownLatch(1);
        Session session = bus.openSession("busy");
        session.registerCommand(End.class, (cmd, ctx) -> {
            running.countDown();
            release.await();
            return true;
        });
        var result = session.executeAsync(new End()).result();
        assertTrue(running.await(5, TimeUnit.SECONDS));
        Thread closer = Thread.ofVirtual().start(session::close);
        while (session.isOpen()) {
            Thread.onSpinWait();
        }
        assertTrue(closer.isAlive(), "close must wait for the running command");
        release.countDown();
        closer.join(Duration.ofSeconds(5));
        assertTrue(bus.awaitIdle(Duration.ofSeconds(5)));

        assertEquals(true, result.get(5, TimeUnit.SECONDS).orThrow());
        assertEquals(List.of("completed", "ended"), seen);
    }

    @Test
    void workThatOutlivesItsSessionsCloseTimeout_isCancelled_andCannotPublishIntoIt() throws Exception {
        try (var impatient = MessageBus.builder().name("impatient").closeTimeout(Duration.ofMillis(10)).start()) {
            var release = new CountDownLatch(1);
            var outcome = new CompletableFuture<Object>();
            Session session = impatient.openSession("short-lived");
            var interrupted = new CompletableFuture<Boolean>();
            session.registerCommand(End.class, (cmd, ctx) -> {
                while (true) { // a tool call that ignores interruption
                    try {
                        release.await();
                        break;
                    } catch (InterruptedException e) {
                        interrupted.complete(ctx.isCancelled());
                    }
                }
                try {
                    outcome.complete(ctx.publish(new Note("too late")));
                } catch (RuntimeException e) {
                    outcome.complete(e);
                }
                return true;
            });
            var result = session.executeAsync(new End()).result();

            SessionCloseReport report = session.close(Duration.ofMillis(10)); // gives up waiting after 10 ms

            assertFalse(report.drained());
            assertEquals(1, report.commandsCancelled(), "a command still running is cancelled, not left behind");
            assertEquals(true, interrupted.get(5, TimeUnit.SECONDS), "interrupted, and its context says cancelled");
            var failure = assertInstanceOf(CommandResult.Failure.class, result.get(5, TimeUnit.SECONDS));
            assertInstanceOf(FailureCause.Cancelled.class, failure.cause());
            release.countDown();
            var refused = assertInstanceOf(PublishOutcome.Rejected.class, outcome.get(5, TimeUnit.SECONDS));
            assertEquals(RejectionReason.SESSION_CLOSED, refused.reason());
        }
    }
}
