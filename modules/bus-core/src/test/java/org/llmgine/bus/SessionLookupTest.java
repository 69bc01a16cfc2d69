package org.llmgine.bus;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.llmgine.bus.message.ApprovalCommand;
import org.llmgine.bus.message.Command;
import org.llmgine.bus.message.CommandResult;
import org.llmgine.bus.message.Event;
import org.llmgine.bus.message.FailureCause;
import org.llmgine.bus.message.LifecycleEvent;
import org.llmgine.bus.message.SessionEnded;
import org.llmgine.bus.message.SessionStarted;

/**
 * Finding sessions by id, get-or-open (also racing with itself and with a close), concurrent
 * closes, the close report, a session's idle wait, and idle expiry on a manual clock. Handlers only
 * record; every assertion runs on the test thread, and every wait has a deadline.
 */
final class SessionLookupTest {

    private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
    private static final Duration WAIT = Duration.ofSeconds(5);

    record Note(String text) implements Event {}

    record Work(String name) implements Command<String> {}

    record Dangerous(String what) implements ApprovalCommand<String> {
        @Override
        public String approver() {
            return "ops";
        }
    }

    private static void awaitUntil(String what, BooleanSupplier condition) {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not within " + WAIT + ": " + what);
            }
            LockSupport.parkNanos(TimeUnit.MICROSECONDS.toNanos(50));
        }
    }

    /** Waits until {@code thread} is parked (blocked in a wait), proving it is waiting rather than done. */
    private static void awaitParked(Thread thread) {
        awaitUntil(thread + " to wait", () -> thread.getState() == Thread.State.WAITING
                || thread.getState() == Thread.State.TIMED_WAITING);
    }

    private static void await(CountDownLatch latch, String what) throws InterruptedException {
        assertTrue(latch.await(WAIT.toSeconds(), TimeUnit.SECONDS), "not within " + WAIT + ": " + what);
    }

    private static void join(Thread thread) throws InterruptedException {
        assertTrue(thread.join(WAIT), thread + " did not finish within " + WAIT);
    }

    /** A session with a handler that blocks on {@code release} once it is running (counted down on {@code running}). */
    private static Session blockedSession(MessageBus bus, String id, CountDownLatch running, CountDownLatch release,
            List<String> log) throws InterruptedException {
        Session session = bus.openSession(id);
        session.subscribe(Note.class, n -> {
            running.countDown();
            release.await();
            log.add("handler done");
        });
        assertInstanceOf(PublishOutcome.Accepted.class, session.publish(new Note("slow")));
        await(running, "the blocking handler to start");
        return session;
    }

    @Test
    void session_returnsTheOpenSession_andIsEmptyOnceItsCloseBegins() throws Exception {
        var running = new CountDownLatch(1);
        var release = new CountDownLatch(1);
        List<String> log = new CopyOnWriteArrayList<>();
        try (var bus = MessageBus.builder().name("lookup").start()) {
            assertTrue(bus.session("s").isEmpty());
            Session session = blockedSession(bus, "s", running, release, log);
            assertSame(session, bus.session("s").orElseThrow());
            assertEquals(List.of("s"), bus.sessionIds());

            Thread closer = Thread.ofVirtual().start(session::close);
            awaitUntil("close to begin", () -> !session.isOpen());

            assertTrue(bus.session("s").isEmpty(), "a closing session is not returned");
            assertEquals(List.of(), bus.sessionIds(), "nor listed");
            assertTrue(closer.isAlive(), "the close is still draining");
            var refused = assertThrows(IllegalStateException.class, () -> bus.openSession("s"));
            assertTrue(refused.getMessage().contains("closing"), refused.getMessage());

            release.countDown();
            join(closer);
            assertTrue(bus.session("s").isEmpty());
            assertEquals(List.of("handler done"), log);
            try (Session again = bus.openSession("s")) {
                assertNotSame(session, again);
                assertSame(again, bus.session("s").orElseThrow());
            }
        }
    }

    @Test
    void getOrOpenSession_returnsTheSameOpenSession_andANewOneAfterClose() {
        List<String> lifecycle = new CopyOnWriteArrayList<>();
        try (var bus = MessageBus.builder().name("get-or-open").start()) {
            bus.subscribe(LifecycleEvent.class, e -> {
                switch (e) {
                    case SessionStarted s -> lifecycle.add("started " + s.sessionId());
                    case SessionEnded s -> lifecycle.add("ended " + s.sessionId());
                    default -> { }
                }
            });
            Session first = bus.getOrOpenSession("c");
            assertTrue(first.isOpen());
            assertSame(first, bus.getOrOpenSession("c"));
            assertSame(first, bus.session("c").orElseThrow());
            assertTrue(awaitIdle(bus)); // lanes run in parallel: settle each step so the log has one order
            Session opened = bus.openSession("d");
            assertSame(opened, bus.getOrOpenSession("d"), "finds sessions opened with openSession too");
            assertTrue(awaitIdle(bus));

            first.close();
            assertTrue(awaitIdle(bus));
            Session second = bus.getOrOpenSession("c");

            assertNotSame(first, second);
            assertTrue(second.isOpen());
            assertFalse(first.isOpen());
            assertEquals(Set.of("c", "d"), Set.copyOf(bus.sessionIds()));
            assertEquals(3, bus.stats().sessions().opened());
            assertEquals(1, bus.stats().sessions().closed());
            assertEquals(2, bus.stats().sessions().active());
            assertThrows(IllegalArgumentException.class, () -> bus.getOrOpenSession(" "));
            assertTrue(awaitIdle(bus));
            second.close();
            assertTrue(awaitIdle(bus));
            opened.close();
            assertTrue(awaitIdle(bus));
            assertEquals(List.of("started c", "started d", "ended c", "started c", "ended c", "ended d"), lifecycle);
        }
    }

    private static boolean awaitIdle(MessageBus bus) {
        try {
            return bus.awaitIdle(WAIT);
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void concurrentGetOrOpen_fromManyVirtualThreads_opensExactlyOneSession() throws Exception {
        AtomicInteger started = new AtomicInteger();
        try (var bus = MessageBus.builder().name("racing-get-or-open").start()) {
            bus.subscribe(SessionStarted.class, e -> started.incrementAndGet());
            for (int round = 0; round < 20; round++) {
                String id = "r" + round;
                int threads = 32;
                var go = new CountDownLatch(1);
                Set<Session> got = ConcurrentHashMap.newKeySet();
                List<Throwable> failures = new CopyOnWriteArrayList<>();
                List<Thread> racers = new ArrayList<>();
                for (int t = 0; t < threads; t++) {
                    racers.add(Thread.ofVirtual().start(() -> {
                        try {
                            go.await();
                            got.add(bus.getOrOpenSession(id));
                        } catch (Throwable e) {
                            failures.add(e);
                        }
                    }));
                }
                go.countDown();
                for (Thread racer : racers) {
                    join(racer);
                }
                assertEquals(List.of(), failures);
                assertEquals(1, got.size(), "round " + round + ": one session for all racers");
                Session only = got.iterator().next();
                assertTrue(only.isOpen());
                assertSame(only, bus.session(id).orElseThrow());
            }
            assertTrue(bus.awaitIdle(WAIT));
            assertEquals(20, started.get(), "one SessionStarted per id");
            assertEquals(20, bus.stats().sessions().opened());
            assertEquals(20, bus.stats().sessions().active());
        }
    }

    @Test
    void getOrOpenRacingWithClose_neverReturnsASessionBeforeItStarted() throws Exception {
        // Per session, SessionStarted is published before SessionEnded in the session's own lane, so a
        // bus-scope handler must see, for every id, at least as many starts as ends at every point.
        Map<String, List<String>> seen = new ConcurrentHashMap<>();
        List<Throwable> failures = new CopyOnWriteArrayList<>();
        try (var bus = MessageBus.builder().name("open-close-race").start()) {
            bus.subscribe(LifecycleEvent.class, e -> {
                switch (e) {
                    case SessionStarted s -> seen.computeIfAbsent(s.sessionId(), k -> new CopyOnWriteArrayList<>()).add("S");
                    case SessionEnded s -> seen.computeIfAbsent(s.sessionId(), k -> new CopyOnWriteArrayList<>()).add("E");
                    default -> { }
                }
            });
            int rounds = 300;
            for (int round = 0; round < rounds; round++) {
                String id = "x" + round;
                var go = new CountDownLatch(1);
                Thread opener = Thread.ofVirtual().start(() -> {
                    try {
                        go.await();
                        bus.getOrOpenSession(id);
                    } catch (Throwable e) {
                        failures.add(e);
                    }
                });
                Thread closer = Thread.ofVirtual().start(() -> {
                    try {
                        go.await();
                        bus.getOrOpenSession(id).close();
                    } catch (Throwable e) {
                        failures.add(e);
                    }
                });
                go.countDown();
                join(opener);
                join(closer);
                bus.session(id).ifPresent(Session::close);
            }
            assertTrue(bus.awaitIdle(WAIT));
            assertEquals(List.of(), failures);
            for (int round = 0; round < rounds; round++) {
                List<String> events = seen.getOrDefault("x" + round, List.of());
                int open = 0;
                for (String event : events) {
                    open += event.equals("S") ? 1 : -1;
                    assertTrue(open >= 0, "x" + round + " ended before it started: " + events);
                }
                assertEquals(0, open, "x" + round + ": " + events);
            }
            assertEquals(0, bus.stats().sessions().active());
            assertEquals(bus.stats().sessions().opened(), bus.stats().sessions().closed());
        }
    }

    @Test
    void getOrOpen_fromAFilterOfTheSessionsOwnStart_failsInsteadOfWaitingForItself() throws Exception {
        var busRef = new java.util.concurrent.atomic.AtomicReference<MessageBus>();
        var fromFilter = new CompletableFuture<Object>();
        org.llmgine.bus.filter.EventFilter reentrant = (event, sessionId, headers) -> {
            if (event instanceof SessionStarted started && started.sessionId().equals("self")) {
                try {
                    fromFilter.complete(busRef.get().getOrOpenSession("self"));
                } catch (RuntimeException e) {
                    fromFilter.complete(e);
                }
            }
            return true;
        };
        try (var bus = MessageBus.builder().name("reentrant-open").filterLifecycleEvents(true).addFilter(reentrant)
                .start()) {
            busRef.set(bus);
            bus.subscribe(SessionStarted.class, e -> { });
            var opened = new CompletableFuture<Session>();
            Thread opener = Thread.ofVirtual().start(() -> opened.complete(bus.getOrOpenSession("self")));
            join(opener);

            var refused = assertInstanceOf(IllegalStateException.class, fromFilter.get(WAIT.toSeconds(), TimeUnit.SECONDS));
            assertTrue(refused.getMessage().contains("would wait for itself"), refused.getMessage());
            Session session = opened.get(WAIT.toSeconds(), TimeUnit.SECONDS);
            assertTrue(session.isOpen());
            assertSame(session, bus.getOrOpenSession("self"));
        }
    }

    @Test
    void getOrOpen_whileTheSessionIsClosing_waitsForThatCloseThenOpensAFreshOne() throws Exception {
        var running = new CountDownLatch(1);
        var release = new CountDownLatch(1);
        List<String> log = new CopyOnWriteArrayList<>();
        try (var bus = MessageBus.builder().name("get-or-open-while-closing").start()) {
            Session old = blockedSession(bus, "c", running, release, log);
            Thread closer = Thread.ofVirtual().start(old::close);
            awaitUntil("close to begin", () -> !old.isOpen());

            var fresh = new CompletableFuture<Session>();
            Thread getter = Thread.ofVirtual().start(() -> {
                try {
                    Session s = bus.getOrOpenSession("c");
                    log.add("getOrOpen returned");
                    fresh.complete(s);
                } catch (Throwable e) {
                    fresh.completeExceptionally(e);
                }
            });
            awaitParked(getter);
            assertFalse(fresh.isDone(), "getOrOpen must wait for the close");

            release.countDown();
            Session opened = fresh.get(WAIT.toSeconds(), TimeUnit.SECONDS);
            join(closer);

            assertNotSame(old, opened);
            assertTrue(opened.isOpen());
            assertFalse(old.isOpen());
            assertEquals("c", opened.id());
            assertSame(opened, bus.session("c").orElseThrow());
            assertEquals(List.of("handler done", "getOrOpen returned"), log, "the close drained before the new open");
            assertTrue(old.close(WAIT).drained());
            opened.close();
        }
    }

    @Test
    void twoConcurrentCloses_theSecondWaitsForTheFirst_andBothReturnTheSameReport() throws Exception {
        var running = new CountDownLatch(1);
        var release = new CountDownLatch(1);
        List<String> log = new CopyOnWriteArrayList<>();
        try (var bus = MessageBus.builder().name("double-close").start()) {
            Session session = blockedSession(bus, "s", running, release, log);
            var firstReport = new CompletableFuture<SessionCloseReport>();
            var secondReport = new CompletableFuture<SessionCloseReport>();
            Thread first = Thread.ofVirtual().start(() -> firstReport.complete(session.close(WAIT)));
            awaitUntil("the first close to begin", () -> !session.isOpen());
            Thread second = Thread.ofVirtual().start(() -> {
                SessionCloseReport report = session.close(WAIT);
                log.add("second returned");
                secondReport.complete(report);
            });
            awaitParked(second);
            assertFalse(secondReport.isDone(), "the second close must wait for the first");
            assertFalse(firstReport.isDone());
            SessionCloseReport impatient = session.close(Duration.ofMillis(1)); // waits its own timeout only
            assertFalse(impatient.drained(), impatient.toString());
            assertFalse(firstReport.isDone(), "the first close goes on");

            release.countDown();
            SessionCloseReport a = firstReport.get(WAIT.toSeconds(), TimeUnit.SECONDS);
            SessionCloseReport b = secondReport.get(WAIT.toSeconds(), TimeUnit.SECONDS);
            join(first);
            join(second);

            assertSame(a, b, "the same report");
            assertEquals(a, b);
            assertTrue(a.drained(), a.toString());
            assertFalse(a.expired());
            assertEquals("s", a.sessionId());
            assertEquals(List.of("handler done", "second returned"), log,
                    "the second close returned only after the first drained");
            assertSame(a, session.close(WAIT), "a later close too");
            assertEquals(1, bus.stats().sessions().closed());
        }
    }

    @Test
    void closeReport_saysWhetherItDrained_andCountsCancelledApprovals() throws Exception {
        var running = new CountDownLatch(1);
        var release = new CountDownLatch(1);
        List<String> log = new CopyOnWriteArrayList<>();
        try (var bus = MessageBus.builder().name("close-report").start()) {
            bus.registerCommand(Dangerous.class, (cmd, ctx) -> "done " + cmd.what());

            Session clean = bus.openSession("clean");
            SessionCloseReport cleanReport = clean.close(WAIT);
            assertEquals(new SessionCloseReport("clean", true, cleanReport.waited(), 0, 0, 0, 0, false), cleanReport);

            Session withApprovals = bus.openSession("approvals");
            var one = withApprovals.executeAsync(new Dangerous("one")).result();
            var two = withApprovals.executeAsync(new Dangerous("two")).result();
            awaitUntil("two pending approvals", () -> bus.pendingApprovals().size() == 2);
            SessionCloseReport approvalsReport = withApprovals.close(WAIT);
            assertEquals(2, approvalsReport.approvalsCancelled(), approvalsReport.toString());
            assertTrue(approvalsReport.drained(), approvalsReport.toString());
            for (var result : List.of(one, two)) {
                var failure = assertInstanceOf(CommandResult.Failure.class, result.get(WAIT.toSeconds(), TimeUnit.SECONDS));
                assertInstanceOf(FailureCause.Cancelled.class, failure.cause());
            }
            assertEquals(List.of(), bus.pendingApprovals());

            Session stuck = blockedSession(bus, "stuck", running, release, log);
            SessionCloseReport stuckReport = stuck.close(Duration.ofMillis(50));
            assertFalse(stuckReport.drained(), stuckReport.toString());
            assertTrue(stuckReport.waited().compareTo(Duration.ofMillis(50)) >= 0, stuckReport.toString());
            assertEquals(0, stuckReport.approvalsCancelled());
            release.countDown();
            assertTrue(bus.awaitIdle(WAIT));
            assertEquals(List.of("handler done"), log);
        }
    }

    @Test
    void awaitIdle_ofASession_waitsForItsRunningCommands() throws Exception {
        var running = new CountDownLatch(1);
        var release = new CountDownLatch(1);
        try (var bus = MessageBus.builder().name("idle-commands").start(); Session session = bus.openSession("s")) {
            session.registerCommand(Work.class, (cmd, ctx) -> {
                running.countDown();
                release.await();
                return "did " + cmd.name();
            });
            assertTrue(session.awaitIdle(WAIT), "idle before any work");
            var result = session.executeAsync(new Work("w")).result();
            await(running, "the command to start");

            assertFalse(session.awaitIdle(Duration.ofMillis(20)), "a running command keeps the session busy");
            assertTrue(bus.session("s").isPresent());

            release.countDown();
            assertTrue(session.awaitIdle(WAIT));
            assertTrue(result.isDone(), "idle means the command finished");
            assertEquals("did w", result.get().orThrow());
        }
    }

    @Test
    void idleExpiry_closesAnUntouchedSession_andSparesOneThatKeepsPublishing() throws Exception {
        var clock = new ManualClock(T0);
        List<String> ended = new CopyOnWriteArrayList<>();
        try (var bus = MessageBus.builder().name("expiry").clock(clock).sessionIdleTimeout(Duration.ofMinutes(1)).start()) {
            bus.subscribe(SessionEnded.class, e -> ended.add(e.sessionId()));
            Session idle = bus.openSession("idle");
            Session busy = bus.openSession("busy");
            for (int step = 0; step < 4; step++) { // two minutes, in 30-second steps
                assertInstanceOf(PublishOutcome.Accepted.class, busy.publish(new Note("keep-alive " + step)));
                clock.advance(Duration.ofSeconds(30));
            }

            awaitUntil("the idle session to expire", () -> bus.stats().sessions().expired() == 1);
            awaitUntil("its close to finish", () -> bus.stats().sessions().closed() == 1);
            assertFalse(idle.isOpen());
            assertTrue(busy.isOpen(), "publishing kept it open");
            assertEquals(List.of("busy"), bus.sessionIds());
            assertTrue(bus.session("idle").isEmpty());
            SessionCloseReport report = idle.close(WAIT);
            assertTrue(report.expired(), report.toString());
            assertTrue(report.drained(), report.toString());
            assertTrue(bus.awaitIdle(WAIT));
            assertEquals(List.of("idle"), ended);

            for (int step = 0; step < 8; step++) { // four more minutes: still alive
                busy.publish(new Note("more " + step));
                clock.advance(Duration.ofSeconds(30));
            }
            // The sweep just ran; a session it expired would already be closing.
            assertTrue(busy.isOpen());
            assertEquals(1, bus.stats().sessions().expired());

            Session late = bus.openSession("late");
            clock.advance(Duration.ofMinutes(2)); // untouched for two idle timeouts
            awaitUntil("the untouched session to expire", () -> !late.isOpen());
            // The busy session, unused since 5:30, expires at the first sweep an idle timeout after
            // the sweep that saw its last use (by 8:00 if that sweep ran at 6:00, later if it ran late).
            // A sweep that runs late (the timer thread behind the test's clock steps) dates the last
            // use it sees to its own, later reading: advance minute by minute until it expires.
            for (int minute = 0; minute < 5 && bus.stats().sessions().expired() < 3; minute++) {
                clock.advance(Duration.ofMinutes(1));
                long until = System.nanoTime() + Duration.ofMillis(500).toNanos();
                while (bus.stats().sessions().expired() < 3 && System.nanoTime() < until) {
                    Thread.onSpinWait();
                }
            }
            awaitUntil("the busy session to expire too", () -> bus.stats().sessions().expired() == 3);
            awaitUntil("their closes to finish", () -> bus.stats().sessions().closed() == 3);
            assertFalse(busy.isOpen());
            assertTrue(late.close(WAIT).expired());
            assertEquals(0, bus.stats().sessions().active());
            assertEquals(List.of(), bus.sessionIds());
        }
    }

    record Stall() implements Event {}

    record Marker() implements Event {}

    @Test
    void idleExpiry_aSweepThatRunsLate_neverClosesASessionUsedWithinTheTimeout() throws Exception {
        var clock = new ManualClock(T0);
        var stalled = new CountDownLatch(1);
        var resume = new CountDownLatch(1);
        var marked = new CountDownLatch(1);
        // A filter that holds up the timer thread (a due event is filtered on it): the sweeps due
        // meanwhile run late, back to back, as after a long pause of the timer.
        org.llmgine.bus.filter.EventFilter stall = (event, sessionId, headers) -> {
            if (event instanceof Stall) {
                stalled.countDown();
                try {
                    resume.await(WAIT.toSeconds(), TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            return true;
        };
        try (var bus = MessageBus.builder().name("late-sweep").clock(clock).addFilter(stall)
                .sessionIdleTimeout(Duration.ofMinutes(1)).start()) {
            bus.subscribe(Marker.class, m -> marked.countDown());
            Session idle = bus.openSession("idle");
            Session busy = bus.openSession("busy");
            bus.schedule(new Stall(), T0.plusSeconds(59));
            bus.schedule(new Marker(), T0.plusSeconds(120).plusMillis(500)); // runs after the sweep due at 2:00

            clock.advance(Duration.ofSeconds(59));
            await(stalled, "the timer to stall");
            busy.publish(new Note("at 0:59"));
            clock.advance(Duration.ofSeconds(31));
            busy.publish(new Note("at 1:30"));
            clock.advance(Duration.ofSeconds(30)); // 2:00: the sweeps of 1:00 and 2:00 are both due
            resume.countDown();
            clock.advance(Duration.ofSeconds(1));
            await(marked, "both sweeps to have run");

            awaitUntil("the idle session to expire", () -> bus.stats().sessions().expired() >= 1);
            assertFalse(idle.isOpen());
            assertTrue(busy.isOpen(), "used 30 s before the late sweeps ran, it must not expire");
            assertEquals(1, bus.stats().sessions().expired());
        }
    }

    @Test
    void idleExpiry_untouchedSession_isClosedAfterTwoMinutes_whileOneWithARunningCommandStays() throws Exception {
        var clock = new ManualClock(T0);
        var running = new CountDownLatch(1);
        var release = new CountDownLatch(1);
        try (var bus = MessageBus.builder().name("expiry-commands").clock(clock)
                .sessionIdleTimeout(Duration.ofMinutes(1)).start()) {
            Session untouched = bus.openSession("untouched");
            Session working = bus.openSession("working");
            working.registerCommand(Work.class, (cmd, ctx) -> {
                running.countDown();
                release.await();
                return "ok";
            });
            var result = working.executeAsync(new Work("long")).result();
            await(running, "the command to start");

            clock.advance(Duration.ofMinutes(2));

            awaitUntil("the untouched session to expire", () -> !untouched.isOpen());
            awaitUntil("its close to finish", () -> bus.stats().sessions().expired() == 1);
            assertTrue(working.isOpen(), "a running command keeps its session alive");
            assertEquals(List.of("working"), bus.sessionIds());
            release.countDown();
            assertEquals("ok", result.get(WAIT.toSeconds(), TimeUnit.SECONDS).orThrow());
        }
    }

    @Test
    void sessionIds_listsTheOpenSessions() {
        var bus = MessageBus.builder().name("ids").build();
        try {
            assertEquals(List.of(), bus.sessionIds());
            Map<String, Session> open = new HashMap<>();
            for (String id : List.of("a", "b", "c")) {
                open.put(id, bus.openSession(id));
            }
            assertEquals(Set.of("a", "b", "c"), Set.copyOf(bus.sessionIds()));
            assertEquals(3, bus.sessionIds().size());
            open.get("b").close();
            assertEquals(Set.of("a", "c"), Set.copyOf(bus.sessionIds()));
            assertThrows(UnsupportedOperationException.class, () -> bus.sessionIds().add("x"), "a snapshot");
            bus.close();
            assertEquals(List.of(), bus.sessionIds());
            assertTrue(bus.session("a").isEmpty());
            assertThrows(BusClosedException.class, () -> bus.getOrOpenSession("a"));
        } finally {
            bus.close();
        }
    }
}
