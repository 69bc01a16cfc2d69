package org.llmgine.bus;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.llmgine.bus.handler.HandlerOptions;
import org.llmgine.bus.handler.Priority;
import org.llmgine.bus.message.Event;
import org.llmgine.bus.message.HandlerFailed;
import org.llmgine.bus.message.Headers;

final class EventDeliveryTest {

    sealed interface ChatEvent extends Event permits TokenStreamed, AnswerReady {}

    record TokenStreamed(String token) implements ChatEvent {}

    record AnswerReady(String answer) implements ChatEvent {}

    record Ping(int n) implements Event {}

    private final MessageBus bus = MessageBus.builder().name("events").start();

    @AfterEach
    void close() {
        bus.close();
    }

    @Test
    void publish_fansOutToEveryHandlerOfTheType() throws Exception {
        List<String> seen = new CopyOnWriteArrayList<>();
        bus.subscribe(Ping.class, p -> seen.add("a" + p.n()));
        bus.subscribe(Ping.class, p -> seen.add("b" + p.n()));
        bus.subscribe(TokenStreamed.class, t -> seen.add("wrong type"));

        PublishOutcome outcome = bus.publish(new Ping(1));

        assertInstanceOf(PublishOutcome.Accepted.class, outcome);
        assertTrue(bus.awaitIdle(Duration.ofSeconds(5)));
        assertEquals(Set.of("a1", "b1"), Set.copyOf(seen));
        assertEquals(2, seen.size());
    }

    @Test
    void subscribe_toASealedParent_receivesEveryImplementation() throws Exception {
        List<String> seen = new CopyOnWriteArrayList<>();
        bus.subscribe(ChatEvent.class, e -> seen.add(switch (e) {
            case TokenStreamed t -> "token " + t.token();
            case AnswerReady a -> "answer " + a.answer();
        }));

        bus.publishAndWait(new TokenStreamed("hel"));
        bus.publishAndWait(new AnswerReady("hello"));

        assertEquals(List.of("token hel", "answer hello"), seen);
    }

    @Test
    void busScopeHandlers_seeEverySession_sessionHandlersSeeOnlyTheirOwn() throws Exception {
        List<String> busSeen = new CopyOnWriteArrayList<>();
        List<String> aSeen = new CopyOnWriteArrayList<>();
        List<String> bSeen = new CopyOnWriteArrayList<>();
        bus.registerEventHandler(Ping.class, (p, ctx) -> busSeen.add(ctx.sessionId() + ":" + p.n()));
        try (var a = bus.openSession("a"); var b = bus.openSession("b")) {
            a.subscribe(Ping.class, p -> aSeen.add("a:" + p.n()));
            b.subscribe(Ping.class, p -> bSeen.add("b:" + p.n()));

            a.publish(new Ping(1));
            b.publish(new Ping(2));
            bus.publish(new Ping(3));
            assertTrue(bus.awaitIdle(Duration.ofSeconds(5)));
        }

        assertEquals(Set.of("a:1", "b:2", "null:3"), Set.copyOf(busSeen));
        assertEquals(List.of("a:1"), aSeen);
        assertEquals(List.of("b:2"), bSeen);
    }

    @Test
    void context_carriesTheEnvelope() throws Exception {
        var seen = new ArrayList<String>();
        var fixed = java.time.Instant.parse("2026-01-02T03:04:05Z");
        try (var clocked = MessageBus.builder().name("clocked").clock(() -> fixed).start();
                var session = clocked.openSession("s")) {
            session.registerEventHandler(Ping.class, (p, ctx) -> seen.add(ctx.messageId() + " " + ctx.sessionId() + " "
                    + ctx.timestamp() + " " + ctx.headers().get("trace").orElse("-") + " " + ctx.attempt() + " " + ctx.priority()));
            session.publish(new Ping(1), PublishOptions.ofHeaders(Headers.of("trace", "t-1")).withPriority(Priority.HIGH));
            assertTrue(session.awaitIdle(Duration.ofSeconds(5)));
        }

        assertEquals(1, seen.size());
        assertTrue(seen.get(0).endsWith(" s 2026-01-02T03:04:05Z t-1 1 10"), seen.get(0));
    }

    @Test
    void publishAndWait_onAnInjectedClock_keepsHeadersTimestampAndWaiterTogether() throws Exception {
        // The envelope keeps headers, the caller's waiter and an injected clock's instant in one
        // field: each must survive the others being set, under every overflow strategy's envelope.
        var fixed = java.time.Instant.parse("2026-01-02T03:04:05Z");
        for (OverflowStrategy strategy : OverflowStrategy.values()) {
            var seen = new CopyOnWriteArrayList<String>();
            try (var clocked = MessageBus.builder().name("clocked-" + strategy).clock(() -> fixed)
                    .overflowStrategy(strategy).start()) {
                clocked.registerEventHandler(Ping.class, (p, ctx) -> seen.add(ctx.timestamp() + " "
                        + ctx.headers().get("trace").orElse("-")));
                var report = assertInstanceOf(DeliveryOutcome.Delivered.class, clocked.publishAndWait(new Ping(1),
                        PublishOptions.ofHeaders(Headers.of("trace", "t-2")), Duration.ofSeconds(5)));
                assertTrue(report.eventId().sequence() > 0, strategy + ": " + report);
                assertEquals(1, report.handlersInvoked(), strategy + ": " + report);
            }
            assertEquals(List.of("2026-01-02T03:04:05Z t-2"), seen, strategy.toString());
        }
    }

    @Test
    void priorities_runLowerNumbersFirst_andEachGroupFinishesBeforeTheNextStarts() throws Exception {
        List<String> log = new CopyOnWriteArrayList<>();
        bus.subscribe(Ping.class, HandlerOptions.priority(Priority.LOW), p -> log.add("low"));
        bus.subscribe(Ping.class, HandlerOptions.priority(Priority.HIGHEST), p -> {
            log.add("highest-start");
            Thread.sleep(20); // a slow handler: the next group must still wait for it
            log.add("highest-end");
        });
        bus.subscribe(Ping.class, HandlerOptions.priority(Priority.NORMAL), p -> log.add("normal"));

        bus.publishAndWait(new Ping(1));

        assertEquals(List.of("highest-start", "highest-end", "normal", "low"), log);
    }

    @Test
    void handlersOfOnePriority_runConcurrently() throws Exception {
        var bothStarted = new CountDownLatch(2);
        var sawEachOther = new AtomicInteger();
        for (int i = 0; i < 2; i++) {
            bus.subscribe(Ping.class, p -> {
                bothStarted.countDown();
                if (bothStarted.await(5, TimeUnit.SECONDS)) {
                    sawEachOther.incrementAndGet();
                }
            });
        }

        var report = assertInstanceOf(DeliveryOutcome.Delivered.class, bus.publishAndWait(new Ping(1), Duration.ofSeconds(10)));

        assertEquals(2, report.handlersInvoked());
        assertEquals(2, sawEachOther.get(), "handlers of one group did not run at the same time");
    }

    @Test
    void handlerFailure_isIsolated_reported_andPublishedAsHandlerFailed() throws Exception {
        List<String> seen = new CopyOnWriteArrayList<>();
        var failures = new CopyOnWriteArrayList<HandlerFailed>();
        bus.subscribe(HandlerFailed.class, failures::add);
        bus.subscribe(Ping.class, HandlerOptions.named("broken"), p -> {
            throw new IllegalStateException("broken handler");
        });
        bus.subscribe(Ping.class, p -> seen.add("ok " + p.n()));

        var report = assertInstanceOf(DeliveryOutcome.Delivered.class, bus.publishAndWait(new Ping(7)));
        assertTrue(bus.awaitIdle(Duration.ofSeconds(5)));

        assertEquals(List.of("ok 7"), seen);
        assertEquals(2, report.handlersInvoked());
        assertEquals(1, report.failures().size());
        assertEquals("broken", report.failures().get(0).handler());
        assertEquals("broken handler", report.failures().get(0).error().getMessage());
        assertEquals(false, report.succeeded());
        assertEquals(1, failures.size());
        assertEquals(new Ping(7), failures.get(0).event());
        assertEquals("broken", failures.get(0).handler());
        assertEquals(1, bus.stats().events().handlerFailures());
    }

    @Test
    void failingHandlerOfHandlerFailed_isOnlyLogged_noFeedbackLoop() throws Exception {
        var failedSeen = new AtomicInteger();
        bus.subscribe(HandlerFailed.class, f -> {
            failedSeen.incrementAndGet();
            throw new IllegalStateException("the failure handler fails too");
        });
        bus.subscribe(Ping.class, p -> {
            throw new IllegalStateException("first failure");
        });

        bus.publish(new Ping(1));
        assertTrue(bus.awaitIdle(Duration.ofSeconds(5)));

        assertEquals(1, failedSeen.get());
        assertEquals(2, bus.stats().events().handlerFailures());
        assertEquals(2, bus.stats().events().delivered());
    }

    @Test
    void errorPolicyPropagate_throwsEveryFailureOfTheOwnEventOnly() throws Exception {
        try (var strict = MessageBus.builder().name("strict").errorPolicy(ErrorPolicy.PROPAGATE).start()) {
            strict.subscribe(Ping.class, HandlerOptions.named("one"), p -> {
                throw new IllegalStateException("one " + p.n());
            });
            strict.subscribe(Ping.class, HandlerOptions.named("two"), p -> {
                throw new IllegalArgumentException("two " + p.n());
            });
            strict.subscribe(TokenStreamed.class, t -> { });

            var error = assertThrows(EventDeliveryException.class, () -> strict.publishAndWait(new Ping(5)));

            assertEquals(2, error.outcome().failures().size());
            assertEquals(Set.of("one", "two"),
                    Set.copyOf(error.outcome().failures().stream().map(HandlerFailure::handler).toList()));
            assertEquals(1, error.getSuppressed().length);
            assertTrue(error.getMessage().contains(Ping.class.getName()), error.getMessage());
            // an event whose handlers succeed does not throw, even though other events failed before
            assertTrue(strict.publishAndWait(new TokenStreamed("x")).succeeded());
        }
    }

    @Test
    void publishAndWait_waitsForItsOwnEventOnly() throws Exception {
        var release = new CountDownLatch(1);
        try (var slow = bus.openSession("slow"); var fast = bus.openSession("fast")) {
            slow.subscribe(Ping.class, p -> release.await());
            fast.subscribe(Ping.class, p -> { });

            slow.publish(new Ping(1));
            var report = assertInstanceOf(DeliveryOutcome.Delivered.class, fast.publishAndWait(new Ping(2), Duration.ofSeconds(5)));

            assertEquals(1, report.handlersInvoked());
            assertEquals(1, bus.stats().queue().size(), "the slow session's event is still running");
            release.countDown();
        }
    }

    @Test
    void publishAndWait_onTimeout_returnsTimedOutAndTheEventKeepsRunning() throws Exception {
        var release = new CountDownLatch(1);
        var finished = new CountDownLatch(1);
        bus.subscribe(Ping.class, p -> {
            release.await();
            finished.countDown();
        });

        var timedOut = assertInstanceOf(DeliveryOutcome.TimedOut.class, bus.publishAndWait(new Ping(1),
                Duration.ofMillis(10)));
        release.countDown();

        assertEquals(Duration.ofMillis(10), timedOut.timeout());
        assertEquals(bus.instanceId(), timedOut.eventId().origin());
        assertTrue(finished.await(5, TimeUnit.SECONDS));
    }

    @Test
    void aLoneEvent_isDispatchedAtOnce_evenWithAHugeBatchSize() throws Exception {
        try (var batched = MessageBus.builder().name("batched").batchSize(100_000).start()) {
            var seen = new AtomicInteger();
            batched.subscribe(Ping.class, p -> seen.incrementAndGet());

            batched.publishAndWait(new Ping(1), Duration.ofSeconds(5));

            assertEquals(1, seen.get());
        }
    }

    @Test
    void closingARegistration_stopsDelivery() throws Exception {
        var seen = new AtomicInteger();
        var registration = bus.subscribe(Ping.class, p -> seen.incrementAndGet());
        bus.publishAndWait(new Ping(1));
        registration.close();
        bus.publishAndWait(new Ping(2));

        assertEquals(1, seen.get());
        assertEquals(false, registration.isActive());
    }

    @Test
    void handlersInEverySession_runInParallel_aSlowSessionDoesNotStallOthers() throws Exception {
        var release = new CountDownLatch(1);
        var fastDone = new CountDownLatch(20);
        try (var slow = bus.openSession("slow")) {
            slow.subscribe(Ping.class, p -> release.await());
            slow.publish(new Ping(0));
            List<Session> others = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                Session other = bus.openSession("fast-" + i);
                others.add(other);
                other.subscribe(Ping.class, p -> fastDone.countDown());
                other.publish(new Ping(i));
            }
            assertTrue(fastDone.await(5, TimeUnit.SECONDS), "fast sessions were stalled by the slow one");
            release.countDown();
            others.forEach(Session::close);
        }
    }

    @Test
    void moreBlockedSessionsThanCarriers_neverStallAnotherSession() throws Exception {
        int blocked = Runtime.getRuntime().availableProcessors() * 2 + 2; // every worker ends up parked in a handler
        var release = new CountDownLatch(1);
        var entered = new CountDownLatch(blocked);
        List<Session> sessions = new ArrayList<>();
        try {
            for (int i = 0; i < blocked; i++) {
                Session session = bus.openSession("llm-call-" + i);
                sessions.add(session);
                session.subscribe(Ping.class, p -> {
                    entered.countDown();
                    release.await(); // a model call that takes its time
                });
                session.publish(new Ping(i));
            }
            assertTrue(entered.await(10, TimeUnit.SECONDS), "blocked sessions did not all start: "
                    + (blocked - entered.getCount()) + " of " + blocked);

            Session other = bus.openSession("ui");
            sessions.add(other);
            var handled = new CountDownLatch(1);
            other.subscribe(Ping.class, p -> handled.countDown());
            other.publish(new Ping(-1));
            assertTrue(handled.await(5, TimeUnit.SECONDS), "a session was stalled by sessions blocked in handlers");
        } finally {
            release.countDown();
            sessions.forEach(Session::close);
        }
    }

    @Test
    void eventsOfOneSession_reachEachHandlerInPublishOrder() throws Exception {
        var order = new ConcurrentHashMap<String, List<Integer>>();
        try (var session = bus.openSession("fifo")) {
            session.subscribe(Ping.class, p -> order.computeIfAbsent("session", k -> new CopyOnWriteArrayList<>()).add(p.n()));
            bus.subscribe(Ping.class, p -> order.computeIfAbsent("bus", k -> new CopyOnWriteArrayList<>()).add(p.n()));
            for (int i = 0; i < 500; i++) {
                session.publish(new Ping(i));
            }
            assertTrue(session.awaitIdle(Duration.ofSeconds(10)));
        }

        var expected = java.util.stream.IntStream.range(0, 500).boxed().toList();
        assertEquals(expected, order.get("session"));
        assertEquals(expected, order.get("bus"));
    }

    @Test
    void aHandlerRemovedWhileItsEventIsInFlight_isSkippedForTheRestOfThatEvent() throws Exception {
        var lateRan = new AtomicInteger();
        var late = new java.util.concurrent.atomic.AtomicReference<org.llmgine.bus.handler.Registration>();
        bus.subscribe(Ping.class, HandlerOptions.priority(Priority.HIGH), p -> late.get().close());
        late.set(bus.subscribe(Ping.class, HandlerOptions.priority(Priority.LOW), p -> lateRan.incrementAndGet()));

        var report = assertInstanceOf(DeliveryOutcome.Delivered.class, bus.publishAndWait(new Ping(1)));

        assertEquals(0, lateRan.get());
        assertEquals(1, report.handlersInvoked());
    }

    @Test
    void afterPublishAndWait_theStatsAlreadyCountTheEvent_evenWithASlowEventInTheSameBatch() throws Exception {
        var first = new CountDownLatch(1);
        var third = new CountDownLatch(1);
        bus.subscribe(Ping.class, p -> {
            if (p.n() == 0) {
                first.await();
            } else if (p.n() == 2) {
                third.await();
            }
        });
        try (var session = bus.openSession("batch")) {
            session.publish(new Ping(0)); // holds the lane while the next two queue up behind it
            var waiter = new java.util.concurrent.CompletableFuture<DeliveryOutcome>();
            Thread.ofVirtual().start(() -> {
                try {
                    waiter.complete(session.publishAndWait(new Ping(1)));
                } catch (Exception e) {
                    waiter.completeExceptionally(e);
                }
            });
            while (bus.stats().events().accepted() < 2) {
                Thread.onSpinWait();
            }
            session.publish(new Ping(2));
            first.countDown(); // the lane now takes Ping 1 and Ping 2 in one batch

            waiter.get(5, TimeUnit.SECONDS);
            BusStats stats = bus.stats();
            assertEquals(2, stats.events().delivered(), stats.toString());
            assertEquals(1, stats.queue().size(), stats.toString());
            third.countDown();
        }
    }

    record Lookup(String q) implements org.llmgine.bus.message.Command<String> {}

    @Test
    void headers_flowFromAnEventToTheMessagesItsHandlersPublishAndExecute() throws Exception {
        List<String> traces = new CopyOnWriteArrayList<>();
        bus.registerCommand(Lookup.class, (cmd, ctx) -> {
            traces.add("command " + ctx.headers().get("trace").orElse("-"));
            ctx.publish(new AnswerReady("done"));
            return "ok";
        });
        bus.registerEventHandler(TokenStreamed.class, (t, ctx) -> ctx.execute(new Lookup("q")));
        bus.registerEventHandler(AnswerReady.class, (a, ctx) -> traces.add("answer " + ctx.headers().get("trace").orElse("-")
                + " " + ctx.priority()));

        bus.publishAndWait(new TokenStreamed("t"), PublishOptions.defaults().withHeader("trace", "abc")
                .withPriority(Priority.HIGHEST), Duration.ofSeconds(5));
        assertTrue(bus.awaitIdle(Duration.ofSeconds(5)));

        assertEquals(List.of("command abc", "answer abc 50"), traces);
    }

    @Test
    void aHandlerThrowingAnError_isCaughtCountedAndReported_andTheLaneGoesOn() throws Exception {
        var failures = new CopyOnWriteArrayList<HandlerFailed>();
        bus.subscribe(HandlerFailed.class, failures::add);
        bus.subscribe(Ping.class, HandlerOptions.named("overflowing"), p -> {
            if (p.n() == 1) {
                throw new StackOverflowError("simulated");
            }
        });

        var report = assertInstanceOf(DeliveryOutcome.Delivered.class, bus.publishAndWait(new Ping(1)));
        var next = assertInstanceOf(DeliveryOutcome.Delivered.class, bus.publishAndWait(new Ping(2)));
        assertTrue(bus.awaitIdle(Duration.ofSeconds(5)));

        assertInstanceOf(StackOverflowError.class, report.failures().get(0).error());
        assertTrue(next.succeeded(), "the lane must go on after an Error");
        assertEquals(1, failures.size());
        assertInstanceOf(StackOverflowError.class, failures.get(0).error());
        assertEquals(1, bus.stats().events().handlerFailures());
    }
}
