package org.llmgine.bus.resilience;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.llmgine.bus.MessageBus;
import org.llmgine.bus.handler.HandlerOptions;
import org.llmgine.bus.message.Command;
import org.llmgine.bus.message.CommandResult;
import org.llmgine.bus.message.Event;
import org.llmgine.bus.message.FailureCause;

/**
 * Regression tests for the review's defects in timeouts, retries, replays and the pipeline's end
 * ({@link Attempts}): each failed on the code before the fixes. The other half is
 * {@link ReviewRegression2Test}.
 */
final class ReviewRegressionTest {

    private static final long WAIT_SECONDS = 10;
    private static final Duration WAIT = Duration.ofSeconds(WAIT_SECONDS);
    private static final Cmd CMD = new Cmd("x");

    record Cmd(String s) implements Command<String> {}

    record Ev(String s) implements Event {}

    private final ManualClock clock = new ManualClock(Instant.parse("2026-01-01T00:00:00Z"));
    private volatile Thread runThread;

    /** Spins until {@code condition} or the deadline; returns whether it held. For calls, which must not assert. */
    private static boolean spinUntil(BooleanSupplier condition) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_SECONDS);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() >= deadline) {
                return false;
            }
            Thread.onSpinWait();
        }
        return true;
    }

    /** Runs a call that blocks until interrupted through {@code timeout} on another thread, and times it out. */
    private CommandResult<String> timeOutABlockedCall(Timeout timeout) throws Exception {
        var result = new CompletableFuture<CommandResult<String>>();
        Thread caller = Thread.ofVirtual().start(() -> {
            try {
                result.complete(timeout.decorate(CMD, null, TestContext.fixed(), c -> {
                    new CountDownLatch(1).await(); // a call that hangs until the watchdog interrupts it
                    return CommandResult.success("never");
                }));
            } catch (Throwable e) {
                result.completeExceptionally(e);
            }
        });
        ClockDriver.awaitParked("the blocked call to wait", () -> caller);
        clock.advance(timeout.duration().multipliedBy(2));
        return result.get(WAIT_SECONDS, TimeUnit.SECONDS);
    }

    // 1. a Timeout disarms when its call throws an Error or a RuntimeException
    @Test
    void aTimeoutWhoseCallThrows_disarms_andNeverInterruptsTheThreadLater() throws Exception {
        Timeout timeout = Timeout.of(Duration.ofMillis(50), clock);
        var error = assertThrows(AssertionError.class, () -> timeout.decorate(CMD, null, TestContext.fixed(),
                c -> {
                    throw new AssertionError("an assert in the handler");
                }));
        assertEquals("an assert in the handler", error.getMessage(), "the Error itself propagates");
        assertEquals(0, timeout.armedCount(), "the Error left no deadline armed");
        var thrown = assertThrows(IllegalStateException.class, () -> timeout.decorate(CMD, null,
                TestContext.fixed(), c -> {
                    throw new IllegalStateException("a bug in a stage");
                }));
        assertEquals("a bug in a stage", thrown.getMessage());
        assertEquals(0, timeout.armedCount(), "the RuntimeException left no deadline armed");

        clock.advance(Duration.ofSeconds(1)); // far past both deadlines
        // two more timeouts on the same watchdog: by the second, it has scanned its table at least
        // once after the advance, so a deadline left armed would have fired on this thread by now
        FailureCause timedOut = new FailureCause.TimedOut(Duration.ofMillis(50));
        assertEquals(CommandResult.failure(timedOut), timeOutABlockedCall(timeout));
        assertEquals(CommandResult.failure(timedOut), timeOutABlockedCall(timeout));
        boolean interrupted = Thread.interrupted(); // read and clear: a stray interrupt must not reach other tests
        assertFalse(interrupted, "no deadline of the failed calls interrupted this thread afterwards");
        assertEquals(0, timeout.armedCount());
    }

    // 2. nested timeouts: the inner one takes back its interrupt but keeps the outer one's
    @Test
    void anInnerTimeout_keepsTheInterruptOfAnOuterDeadlineThatFiredToo() throws Exception {
        Timeout outer = Timeout.of(Duration.ofMillis(200), clock); // a total timeout
        Timeout inner = Timeout.of(Duration.ofMillis(100), clock); // an attempt timeout inside it
        var innerResult = new AtomicReference<CommandResult<String>>();
        var sawInnerInterrupt = new AtomicBoolean();
        var sawOuterInterrupt = new AtomicBoolean();
        var interruptedAfterInner = new AtomicBoolean();
        CommandResult<String> outerResult;
        boolean interruptedAtEnd;
        try {
            outerResult = outer.decorate(CMD, null, TestContext.fixed(), total -> {
                CommandResult<String> attempt = inner.decorate(CMD, null, total, c -> {
                    // a call that ignores interrupts; it runs 300 ms in two steps so that each deadline's
                    // interrupt is seen apart (both share the thread's one flag)
                    clock.advance(Duration.ofMillis(150)); // past the inner deadline only
                    sawInnerInterrupt.set(spinUntil(() -> Thread.currentThread().isInterrupted()));
                    Thread.interrupted(); // ignored: the call goes on
                    clock.advance(Duration.ofMillis(150)); // 300 ms in all: past the outer deadline too
                    sawOuterInterrupt.set(spinUntil(() -> Thread.currentThread().isInterrupted()));
                    return CommandResult.success("too late");
                });
                innerResult.set(attempt);
                interruptedAfterInner.set(Thread.currentThread().isInterrupted());
                return attempt;
            });
        } finally {
            interruptedAtEnd = Thread.interrupted(); // read and clear: leave this thread clean for the next tests
        }
        assertTrue(sawInnerInterrupt.get(), "the inner deadline interrupted the call");
        assertTrue(sawOuterInterrupt.get(), "the outer deadline interrupted the call");
        assertEquals(CommandResult.failure(new FailureCause.TimedOut(Duration.ofMillis(100))), innerResult.get());
        assertTrue(interruptedAfterInner.get(),
                "the inner timeout took back its own interrupt but kept the outer deadline's on the thread");
        assertEquals(CommandResult.failure(new FailureCause.TimedOut(Duration.ofMillis(200))), outerResult);
        assertFalse(interruptedAtEnd, "the outer timeout took its interrupt back");
        assertEquals(0, outer.armedCount() + inner.armedCount());
    }

    // 3. a retry starts no attempt after a cancel, even when the handler swallowed the interrupt
    @Test
    void aCancelledCommand_isNotRetried_whenItsHandlerSwallowsTheInterrupt() throws Exception {
        var retry = RetryPolicy.builder().maxAttempts(4).initialDelay(Duration.ofMillis(10)).jitter(false).build();
        var policy = ResiliencePolicy.builder().clock(clock)
                .commands(Cmd.class, Pipeline.builder().clock(clock).retry(retry).build()).build();
        var calls = new AtomicInteger();
        var swallowed = new AtomicInteger();
        var release = new CountDownLatch(1);
        try (MessageBus bus = policy.installOn(MessageBus.builder().name("swallowing").clock(clock)).start()) {
            bus.registerCommand(Cmd.class, (c, ctx) -> {
                runThread = Thread.currentThread();
                calls.incrementAndGet();
                try {
                    release.await(WAIT_SECONDS, TimeUnit.SECONDS); // a model call
                    return "ok";
                } catch (InterruptedException e) {
                    swallowed.incrementAndGet();
                    throw new RuntimeException("call aborted", e); // the common wrap: the flag is not restored
                }
            });
            var handle = bus.executeAsync(CMD);
            ClockDriver.awaitParked("the handler to block", () -> calls.get() == 1 ? runThread : null);
            assertTrue(handle.cancel("user pressed stop"));
            assertEquals(CommandResult.failure(new FailureCause.Cancelled("user pressed stop")),
                    handle.result().get(WAIT_SECONDS, TimeUnit.SECONDS));
            try {
                // move the clock through any backoff until the bus is idle (or a second attempt began)
                ClockDriver.driveUntil(clock, Duration.ofMillis(10), () -> runThread,
                        () -> calls.get() > 1 || idle(bus));
                assertEquals(1, calls.get(), "no attempt 2 after the cancel");
                assertEquals(1, swallowed.get(), "the first attempt saw the cancel's interrupt");
                assertTrue(bus.awaitIdle(WAIT), "the cancelled run ended");
            } finally {
                release.countDown(); // lets an attempt the old code started end
            }
        }
    }

    private static boolean idle(MessageBus bus) {
        try {
            return bus.awaitIdle(Duration.ZERO);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    // 4. an event replay past the replay timeout is StillRunning and settles when it ends
    @Test
    void anEventReplayPastTheReplayTimeout_isStillRunning_andItsLateSuccessRemovesTheEntry() throws Exception {
        var dlq = DeadLetterQueue.builder().replayTimeout(Duration.ofMillis(100)).build();
        var policy = ResiliencePolicy.builder().events(Ev.class, "h", Pipeline.of()).deadLetterQueue(dlq).build();
        var calls = new AtomicInteger();
        var replayRunning = new CountDownLatch(1);
        var release = new CountDownLatch(1);
        var released = new AtomicBoolean();
        try (MessageBus bus = policy.installOn(MessageBus.builder().name("late-replay")).start()) {
            bus.subscribe(Ev.class, HandlerOptions.named("h"), e -> {
                if (calls.incrementAndGet() == 1) {
                    throw new IllegalStateException("payment provider down");
                }
                replayRunning.countDown();
                released.set(release.await(WAIT_SECONDS, TimeUnit.SECONDS)); // the replay outlives its timeout
            });
            bus.publishAndWait(new Ev("pay"), WAIT);
            DeadLetterFixtures.await(() -> dlq.size() == 1, "the failure is dead-lettered");
            DeadLetter entry = dlq.list().get(0);

            ReplayResult result;
            try {
                // publishAndWait's timeout is real time: the replay returns after its 100 ms deadline
                result = dlq.replay(entry.id());
            } finally {
                release.countDown(); // only now may the replayed handler finish, with success
            }

            var still = assertInstanceOf(ReplayResult.StillRunning.class, result, "not NotReplayed: it runs");
            assertEquals(entry, still.entry());
            assertEquals(Duration.ofMillis(100), still.timeout());
            assertTrue(replayRunning.await(WAIT_SECONDS, TimeUnit.SECONDS), "the replay reached the handler");
            DeadLetterFixtures.await(() -> dlq.size() == 0, "the late success removes the entry");
            assertTrue(released.get(), "the handler finished because the test released it");
            assertEquals(2, calls.get());
            assertEquals(1, dlq.stats().replayed());
        }
    }

    // 5. a handler's Error is the handler's failure: breakers and statistics count it
    @Test
    void aHandlerThatThrowsAnError_isCounted_byTheBreakerAndTheStatistics() throws Exception {
        var breakers = CircuitBreakers.builder(CircuitBreakerConfig.builder()
                .consecutiveFailures(3, Duration.ofSeconds(60)).build()).clock(clock).build();
        var policy = ResiliencePolicy.builder().clock(clock)
                .commands(Cmd.class, Pipeline.builder().clock(clock).circuitBreaker(breakers).build()).build();
        var calls = new AtomicInteger();
        try (MessageBus bus = policy.installOn(MessageBus.builder().name("erring").clock(clock)).start()) {
            bus.registerCommand(Cmd.class, (c, ctx) -> {
                calls.incrementAndGet();
                throw new AssertionError("an assert in the handler");
            });
            for (int i = 0; i < 3; i++) {
                var failure = assertInstanceOf(CommandResult.Failure.class, bus.execute(CMD, WAIT));
                var threw = assertInstanceOf(FailureCause.HandlerThrew.class, failure.cause());
                assertInstanceOf(AssertionError.class, threw.error());
            }
            var stats = policy.errorStats().of(new ErrorStats.Key("Cmd", null, null));
            assertEquals(List.of(3L, 3L, 3L, 3L),
                    List.of(stats.executions(), stats.failedExecutions(), stats.attempts(), stats.failedAttempts()),
                    "executions, failed executions, attempts, failed attempts: " + stats);
            assertEquals(CircuitBreaker.State.OPEN, policy.circuitBreakers().get("Cmd").state(),
                    "3 Errors in a row opened the breaker");

            var refused = assertInstanceOf(CommandResult.Failure.class, bus.execute(CMD, WAIT));
            assertInstanceOf(FailureCause.CircuitOpen.class, refused.cause());
            assertEquals(3, calls.get(), "the open breaker kept the 4th call from the handler");
        }
    }

    // 6. a handler's own InterruptedException (no cancel, no timeout) is its failure, and retried
    @Test
    void aHandlerThatThrowsItsOwnInterruptedException_failsWithHandlerThrew_andIsRetried() throws Exception {
        var retry = RetryPolicy.builder().maxAttempts(3).initialDelay(Duration.ZERO).jitter(false).build();
        var policy = ResiliencePolicy.builder().clock(clock)
                .commands(Cmd.class, Pipeline.builder().clock(clock).retry(retry).build()).build();
        var attempts = new CopyOnWriteArrayList<Integer>();
        try (MessageBus bus = policy.installOn(MessageBus.builder().name("library-gave-up").clock(clock)).start()) {
            bus.registerCommand(Cmd.class, (c, ctx) -> {
                attempts.add(ctx.attempt());
                throw new InterruptedException("a client library gave up");
            });

            var failure = assertInstanceOf(CommandResult.Failure.class, bus.execute(CMD, WAIT));

            var exhausted = assertInstanceOf(FailureCause.RetriesExhausted.class, failure.cause(),
                    "retried, not Cancelled: " + failure.cause());
            assertEquals(3, exhausted.attempts());
            var threw = assertInstanceOf(FailureCause.HandlerThrew.class, exhausted.last());
            assertEquals("a client library gave up", threw.error().getMessage());
            assertEquals(List.of(1, 2, 3), attempts);
            assertEquals(3, policy.errorStats().of(new ErrorStats.Key("Cmd", null, null)).failedAttempts());
        }
    }
}
