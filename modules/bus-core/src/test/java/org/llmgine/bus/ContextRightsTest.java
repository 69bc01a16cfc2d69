package org.llmgine.bus;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.llmgine.bus.filter.EventFilter;
import org.llmgine.bus.handler.MessageContext;
import org.llmgine.bus.message.Command;
import org.llmgine.bus.message.CommandResult;
import org.llmgine.bus.message.Event;

/**
 * Rights follow the context, not the thread: a helper thread a handler hands its context to holds
 * the handler's queue slot (so it never waits for room), and waits done for a handler, directly or
 * through a command it executes, take part in wait-cycle detection across sessions. Handlers record
 * what they saw; the test thread asserts. Every wait is bounded, and the cycle tests order the two
 * waits with latches (a filter sees the awaited event published, which happens after the waiter
 * registered its wait), never with sleeps.
 */
final class ContextRightsTest {

    private static final long WAIT_SECONDS = 10;
    /** Longer than any bound in these tests: a publish that waited for room would show. */
    private static final Duration PUBLISH_TIMEOUT = Duration.ofSeconds(30);

    record Hold() implements Event {}

    record Extra(String from) implements Event {}

    record Work() implements Command<String> {}

    record StartA() implements Event {}

    record StartB() implements Event {}

    record ToA() implements Event {}

    record ToB() implements Event {}

    record RelayToB() implements Command<String> {}

    /** A publish's outcome (or what it threw) and how long it took. */
    record Timed(Object outcome, Duration elapsed) {
        static Timed of(Callable<?> body) {
            long start = System.nanoTime();
            Object outcome;
            try {
                outcome = body.call();
            } catch (Throwable t) {
                outcome = t;
            }
            return new Timed(outcome, Duration.ofNanos(System.nanoTime() - start));
        }
    }

    /** A bus with one queue slot, whose publishers would wait 30 s for room. */
    private static MessageBus oneSlotBus(String name) {
        return MessageBus.builder().name(name).queueCapacity(1).overflowStrategy(OverflowStrategy.BLOCK)
                .publishTimeout(PUBLISH_TIMEOUT).closeTimeout(Duration.ofSeconds(5)).start();
    }

    /** Publishes through {@code ctx} from a new platform thread, and joins it (bounded). */
    private static Timed publishFromHelper(MessageContext ctx, String from) throws InterruptedException {
        var result = new CompletableFuture<Timed>();
        Thread helper = Thread.ofPlatform().name("helper-of-" + from).start(
                () -> result.complete(Timed.of(() -> ctx.publish(new Extra(from)))));
        if (!helper.join(PUBLISH_TIMEOUT.plusSeconds(5))) {
            return new Timed("the helper thread did not finish", PUBLISH_TIMEOUT);
        }
        return result.getNow(new Timed("no outcome", Duration.ZERO));
    }

    private static void assertRejectedAtOnce(Timed timed) {
        var rejected = assertInstanceOf(PublishOutcome.Rejected.class, timed.outcome(), String.valueOf(timed.outcome()));
        assertEquals(RejectionReason.QUEUE_FULL, rejected.reason(), rejected.detail());
        assertTrue(timed.elapsed().compareTo(Duration.ofSeconds(5)) < 0,
                "a slot holder must not wait for room, but took " + timed.elapsed());
    }

    @Test
    void aHelperThreadPublishingThroughAnEventContext_holdsTheHandlersSlot_andIsRejectedAtOnce() throws Exception {
        var own = new CompletableFuture<Timed>();
        var helper = new CompletableFuture<Timed>();
        try (var bus = oneSlotBus("rights-event")) {
            bus.registerEventHandler(Hold.class, (hold, ctx) -> {
                own.complete(Timed.of(() -> ctx.publish(new Extra("handler"))));
                helper.complete(publishFromHelper(ctx, "event-helper"));
            });

            assertInstanceOf(PublishOutcome.Accepted.class, bus.publish(new Hold()));

            assertRejectedAtOnce(own.get(WAIT_SECONDS, TimeUnit.SECONDS));
            assertRejectedAtOnce(helper.get(WAIT_SECONDS, TimeUnit.SECONDS));
            assertTrue(bus.awaitIdle(Duration.ofSeconds(WAIT_SECONDS)));
            assertEquals(2, bus.stats().events().rejected());
        }
    }

    @Test
    void aHelperThreadPublishingThroughTheContextOfACommandAHandlerExecutes_isRejectedAtOnce() throws Exception {
        var own = new CompletableFuture<Timed>();
        var helper = new CompletableFuture<Timed>();
        var result = new CompletableFuture<CommandResult<String>>();
        try (var bus = oneSlotBus("rights-command")) {
            bus.registerCommand(Work.class, (work, ctx) -> {
                own.complete(Timed.of(() -> ctx.publish(new Extra("command"))));
                helper.complete(publishFromHelper(ctx, "command-helper"));
                return "worked";
            });
            bus.registerEventHandler(Hold.class, (hold, ctx) -> result.complete(ctx.execute(new Work())));

            assertInstanceOf(PublishOutcome.Accepted.class, bus.publish(new Hold()));

            assertRejectedAtOnce(own.get(WAIT_SECONDS, TimeUnit.SECONDS));
            assertRejectedAtOnce(helper.get(WAIT_SECONDS, TimeUnit.SECONDS));
            assertEquals(CommandResult.success("worked"), result.get(WAIT_SECONDS, TimeUnit.SECONDS));
        }
    }

    @Test
    void underAdaptive_aHelperThreadPublishingThroughAnEventContext_isNotPacedLikeTheHandlerItself()
            throws Exception {
        var fillerQueued = new CountDownLatch(1);
        var own = new CompletableFuture<Timed>();
        var helper = new CompletableFuture<Timed>();
        // Capacity 4 with marks 0.5/0.25: with two unfinished events a caller is paced the full 20 s.
        try (var bus = MessageBus.builder().name("rights-adaptive").queueCapacity(4).waterMarks(0.5, 0.25)
                .overflowStrategy(OverflowStrategy.ADAPTIVE).adaptiveMaxDelay(Duration.ofSeconds(20))
                .closeTimeout(Duration.ofSeconds(5)).start()) {
            bus.registerEventHandler(Hold.class, (hold, ctx) -> {
                if (!fillerQueued.await(WAIT_SECONDS, TimeUnit.SECONDS)) {
                    own.complete(new Timed("the filler was never queued", Duration.ZERO));
                    return;
                }
                own.complete(Timed.of(() -> ctx.publish(new Extra("handler"))));
                helper.complete(publishFromHelper(ctx, "adaptive-helper"));
            });
            bus.subscribe(Extra.class, extra -> { });

            assertInstanceOf(PublishOutcome.Accepted.class, bus.publish(new Hold()));
            assertInstanceOf(PublishOutcome.Accepted.class, bus.publish(new Extra("filler")));
            fillerQueued.countDown();

            for (Timed timed : new Timed[] {own.get(WAIT_SECONDS, TimeUnit.SECONDS),
                    helper.get(WAIT_SECONDS, TimeUnit.SECONDS)}) {
                assertInstanceOf(PublishOutcome.Accepted.class, timed.outcome(), String.valueOf(timed.outcome()));
                assertTrue(timed.elapsed().compareTo(Duration.ofSeconds(5)) < 0, "paced for " + timed.elapsed());
            }
            assertEquals(0, bus.stats().queue().throttled(), "no publish through the context was paced");
        }
    }

    /** Runs {@code body} and completes {@code outcome} with its value or what it threw. */
    private static void capture(CompletableFuture<Object> outcome, Callable<?> body) {
        try {
            outcome.complete(body.call());
        } catch (Throwable t) {
            outcome.complete(t);
        }
    }

    /** A filter that counts down {@code latch} when an event of {@code type} is published. */
    private static EventFilter seeing(Class<? extends Event> type, CountDownLatch latch) {
        return EventFilter.named("spy", (event, sessionId, headers) -> {
            if (type.isInstance(event)) {
                latch.countDown();
            }
            return true;
        });
    }

    private static void assertNamesTheCycle(Object outcome) {
        var error = assertInstanceOf(WouldDeadlockException.class, outcome, String.valueOf(outcome));
        String message = error.getMessage();
        assertTrue(message.contains("session-A"), message);
        assertTrue(message.contains("session-B"), message);
        assertTrue(message.contains("cycle"), message);
    }

    @Test
    void aWaitCycleAcrossSessions_isRefused_namingBothSessions() throws Exception {
        var toBPublished = new CountDownLatch(1);
        var bRunning = new CountDownLatch(1);
        var aOutcome = new CompletableFuture<Object>();
        var bOutcome = new CompletableFuture<Object>();
        var toAHandled = new AtomicInteger();
        var toBHandled = new AtomicInteger();
        try (var bus = MessageBus.builder().name("cycle").addFilter(seeing(ToB.class, toBPublished)).start();
                var a = bus.openSession("A"); var b = bus.openSession("B")) {
            a.subscribe(ToA.class, e -> toAHandled.incrementAndGet());
            b.subscribe(ToB.class, e -> toBHandled.incrementAndGet());
            // B's handler waits for A only once A's handler is inside its wait for B.
            b.subscribe(StartB.class, e -> {
                bRunning.countDown();
                if (!toBPublished.await(WAIT_SECONDS, TimeUnit.SECONDS)) {
                    bOutcome.complete("A's handler never waited for B");
                    return;
                }
                capture(bOutcome, () -> a.publishAndWait(new ToA(), Duration.ofSeconds(WAIT_SECONDS)));
            });
            a.subscribe(StartA.class, e -> capture(aOutcome,
                    () -> b.publishAndWait(new ToB(), Duration.ofSeconds(WAIT_SECONDS))));

            b.publish(new StartB());
            assertTrue(bRunning.await(WAIT_SECONDS, TimeUnit.SECONDS));
            a.publish(new StartA());

            assertNamesTheCycle(bOutcome.get(2 * WAIT_SECONDS, TimeUnit.SECONDS));
            // B's handler then returned, so A's wait for ToB ends normally.
            var delivered = assertInstanceOf(DeliveryOutcome.Delivered.class,
                    aOutcome.get(2 * WAIT_SECONDS, TimeUnit.SECONDS));
            assertEquals(1, delivered.handlersInvoked());
            assertTrue(bus.awaitIdle(Duration.ofSeconds(WAIT_SECONDS)));
            assertEquals(0, toAHandled.get(), "the refused wait published nothing");
            assertEquals(1, toBHandled.get());
        }
    }

    @Test
    void aWaitCycleThroughACommand_isRefusedToTheEventHandlerClosingIt() throws Exception {
        var toBPublished = new CountDownLatch(1);
        var bRunning = new CountDownLatch(1);
        var relayOutcome = new CompletableFuture<Object>();
        var aResult = new CompletableFuture<CommandResult<String>>();
        var bOutcome = new CompletableFuture<Object>();
        try (var bus = MessageBus.builder().name("cycle-command").addFilter(seeing(ToB.class, toBPublished)).start();
                var a = bus.openSession("A"); var b = bus.openSession("B")) {
            a.subscribe(ToA.class, e -> { });
            b.subscribe(ToB.class, e -> { });
            a.registerCommand(RelayToB.class, (relay, ctx) -> {
                capture(relayOutcome, () -> b.publishAndWait(new ToB(), Duration.ofSeconds(WAIT_SECONDS)));
                return "relayed";
            });
            a.registerEventHandler(StartA.class, (e, ctx) -> aResult.complete(ctx.execute(new RelayToB())));
            b.subscribe(StartB.class, e -> {
                bRunning.countDown();
                if (!toBPublished.await(WAIT_SECONDS, TimeUnit.SECONDS)) {
                    bOutcome.complete("A's command never waited for B");
                    return;
                }
                capture(bOutcome, () -> a.publishAndWait(new ToA(), Duration.ofSeconds(WAIT_SECONDS)));
            });

            b.publish(new StartB());
            assertTrue(bRunning.await(WAIT_SECONDS, TimeUnit.SECONDS));
            a.publish(new StartA());

            assertNamesTheCycle(bOutcome.get(2 * WAIT_SECONDS, TimeUnit.SECONDS));
            assertInstanceOf(DeliveryOutcome.Delivered.class, relayOutcome.get(2 * WAIT_SECONDS, TimeUnit.SECONDS));
            assertEquals(CommandResult.success("relayed"), aResult.get(2 * WAIT_SECONDS, TimeUnit.SECONDS));
        }
    }

    @Test
    void aWaitCycleThroughACommand_isRefusedToTheCommandClosingIt() throws Exception {
        var toAPublished = new CountDownLatch(1);
        var aRunning = new CountDownLatch(1);
        var relayOutcome = new CompletableFuture<Object>();
        var aResult = new CompletableFuture<CommandResult<String>>();
        var bOutcome = new CompletableFuture<Object>();
        try (var bus = MessageBus.builder().name("cycle-command-last").addFilter(seeing(ToA.class, toAPublished))
                .start(); var a = bus.openSession("A"); var b = bus.openSession("B")) {
            a.subscribe(ToA.class, e -> { });
            b.subscribe(ToB.class, e -> { });
            a.registerCommand(RelayToB.class, (relay, ctx) -> {
                capture(relayOutcome, () -> b.publishAndWait(new ToB(), Duration.ofSeconds(WAIT_SECONDS)));
                return "relayed";
            });
            // A's handler executes the relay only once B's handler is inside its wait for A.
            a.registerEventHandler(StartA.class, (e, ctx) -> {
                aRunning.countDown();
                if (!toAPublished.await(WAIT_SECONDS, TimeUnit.SECONDS)) {
                    relayOutcome.complete("B's handler never waited for A");
                    return;
                }
                aResult.complete(ctx.execute(new RelayToB()));
            });
            b.subscribe(StartB.class, e -> capture(bOutcome,
                    () -> a.publishAndWait(new ToA(), Duration.ofSeconds(WAIT_SECONDS))));

            a.publish(new StartA());
            assertTrue(aRunning.await(WAIT_SECONDS, TimeUnit.SECONDS));
            b.publish(new StartB());

            assertNamesTheCycle(relayOutcome.get(2 * WAIT_SECONDS, TimeUnit.SECONDS));
            assertEquals(CommandResult.success("relayed"), aResult.get(2 * WAIT_SECONDS, TimeUnit.SECONDS));
            // A's handler then returned, so B's wait for ToA ends normally.
            assertInstanceOf(DeliveryOutcome.Delivered.class, bOutcome.get(2 * WAIT_SECONDS, TimeUnit.SECONDS));
        }
    }

    record AwaitOwn() implements Event {}

    record CallBack() implements Command<String> {}

    @Test
    void aHandlerAwaitingItsAsyncCommand_whileTheCommandWaitsOnTheHandlersSession_failsFast() throws Exception {
        var outcome = new CompletableFuture<Object>();
        var handlerThread = new CompletableFuture<Thread>();
        try (var bus = MessageBus.builder().name("await-own").start(); var session = bus.openSession("A")) {
            session.registerCommand(CallBack.class, (cmd, ctx) -> {
                Thread waiting = handlerThread.get(WAIT_SECONDS, TimeUnit.SECONDS);
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_SECONDS);
                while (waiting.getState() != Thread.State.WAITING && waiting.getState() != Thread.State.TIMED_WAITING
                        && System.nanoTime() < deadline) {
                    Thread.onSpinWait(); // until the handler is inside its await
                }
                try {
                    session.publishAndWait(new Extra("from the command"));
                    return "no deadlock detected";
                } catch (WouldDeadlockException e) {
                    return "refused: " + e.getMessage();
                }
            });
            session.registerEventHandler(AwaitOwn.class, (event, ctx) -> {
                var handle = ctx.executeAsync(new CallBack());
                handlerThread.complete(Thread.currentThread());
                capture(outcome, () -> handle.await(Duration.ofSeconds(WAIT_SECONDS)).orThrow());
            });

            session.publish(new AwaitOwn());

            Object result = outcome.get(WAIT_SECONDS * 2, TimeUnit.SECONDS);
            assertTrue(String.valueOf(result).startsWith("refused: "), String.valueOf(result));
            assertTrue(String.valueOf(result).contains("session"), String.valueOf(result));
        }
    }
}
