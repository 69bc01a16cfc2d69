package org.llmgine.bus.resilience;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.llmgine.bus.MessageBus;
import org.llmgine.bus.message.Command;
import org.llmgine.bus.message.CommandResult;
import org.llmgine.bus.message.FailureCause;

/** Attempt and total timeouts through the bus, on an injected clock: the handler is interrupted, the result typed. */
final class TimeoutTest {

    private static final long WAIT_SECONDS = 10;

    record CallTool(String name) implements Command<String> {}

    private final ManualClock clock = new ManualClock(Instant.parse("2026-01-01T00:00:00Z"));
    private final List<String> seen = new CopyOnWriteArrayList<>();
    private volatile Thread runThread;

    private MessageBus bus(Pipeline pipeline, CountDownLatch release) {
        var policy = ResiliencePolicy.builder().clock(clock).commands(CallTool.class, pipeline).build();
        MessageBus bus = policy.installOn(MessageBus.builder().name("timeouts").clock(clock)).start();
        bus.registerCommand(CallTool.class, (cmd, ctx) -> {
            runThread = Thread.currentThread();
            seen.add("attempt " + ctx.attempt());
            try {
                release.await(); // a tool call that hangs
                return "done";
            } catch (InterruptedException e) {
                seen.add("interrupted " + ctx.attempt());
                throw e;
            }
        });
        return bus;
    }

    @Test
    void aHangingHandler_isInterruptedAtTheAttemptTimeout_andTheResultIsTimedOut() throws Exception {
        try (var bus = bus(Pipeline.builder().clock(clock).attemptTimeout(Duration.ofSeconds(5)).build(),
                new CountDownLatch(1))) {
            var handle = bus.executeAsync(new CallTool("search"));
            ClockDriver.awaitParked("the handler to block", () -> runThread);
            clock.advance(Duration.ofSeconds(4));
            assertFalse(handle.isDone(), "not timed out before its 5 s");
            clock.advance(Duration.ofSeconds(1));

            var failure = assertInstanceOf(CommandResult.Failure.class, handle.result().get(WAIT_SECONDS, TimeUnit.SECONDS));
            assertEquals(new FailureCause.TimedOut(Duration.ofSeconds(5)), failure.cause());
            assertEquals(List.of("attempt 1", "interrupted 1"), seen, "the handler's thread was interrupted");
        }
    }

    @Test
    void aFastHandler_passesThrough_andLeavesNoInterruptBehind() throws Exception {
        var release = new CountDownLatch(0);
        try (var bus = bus(Pipeline.builder().clock(clock).attemptTimeout(Duration.ofSeconds(5)).build(), release)) {
            for (int i = 0; i < 100; i++) {
                assertEquals("done", bus.execute(new CallTool("fast")).orThrow());
            }
            assertFalse(seen.stream().anyMatch(s -> s.startsWith("interrupted")), "no call was interrupted: " + seen);
        }
    }

    @Test
    void theTimeoutDecorator_clearsItsInterrupt_whenTheCallReturnedAfterTheDeadline() throws Exception {
        Timeout timeout = Timeout.of(Duration.ofMillis(10), clock);
        CommandResult<String> result = timeout.decorate(new CallTool("late"), null, TestContext.fixed(), context -> {
            clock.advance(Duration.ofMillis(20)); // the call overruns without blocking
            ClockDriver.awaitTrue("the watchdog to interrupt the call", () -> Thread.currentThread().isInterrupted());
            return CommandResult.success("too late");
        });
        assertEquals(CommandResult.failure(new FailureCause.TimedOut(Duration.ofMillis(10))), result,
                "a result that came after the deadline is replaced by the timeout");
        assertFalse(Thread.currentThread().isInterrupted(), "the watchdog's interrupt was taken back");
    }

    @Test
    void withARetry_eachAttemptTimesOut_andTheRetryGivesUpWithTheLastTimeout() throws Exception {
        var pipeline = Pipeline.builder().clock(clock)
                .retry(RetryPolicy.builder().maxAttempts(3).initialDelay(Duration.ofMillis(10)).jitter(false).build())
                .attemptTimeout(Duration.ofSeconds(1))
                .build();
        try (var bus = bus(pipeline, new CountDownLatch(1))) {
            var handle = bus.executeAsync(new CallTool("search"));
            ClockDriver.driveUntil(clock, Duration.ofMillis(100), () -> runThread, handle::isDone);

            var failure = assertInstanceOf(CommandResult.Failure.class, handle.result().get(WAIT_SECONDS, TimeUnit.SECONDS));
            assertEquals(new FailureCause.RetriesExhausted(3, new FailureCause.TimedOut(Duration.ofSeconds(1))),
                    failure.cause());
            assertEquals(List.of("attempt 1", "interrupted 1", "attempt 2", "interrupted 2", "attempt 3",
                    "interrupted 3"), seen);
        }
    }

    @Test
    void aTotalTimeout_cutsTheBackoffBetweenAttempts() throws Exception {
        var pipeline = Pipeline.builder().clock(clock)
                .totalTimeout(Duration.ofSeconds(2))
                .retry(RetryPolicy.builder().maxAttempts(5).initialDelay(Duration.ofMinutes(10))
                        .maxDelay(Duration.ofMinutes(10)).jitter(false).build())
                .attemptTimeout(Duration.ofSeconds(1))
                .build();
        try (var bus = bus(pipeline, new CountDownLatch(1))) {
            var handle = bus.executeAsync(new CallTool("search"));
            ClockDriver.driveUntil(clock, Duration.ofMillis(250), () -> runThread, handle::isDone);

            var failure = assertInstanceOf(CommandResult.Failure.class, handle.result().get(WAIT_SECONDS, TimeUnit.SECONDS));
            assertEquals(new FailureCause.TimedOut(Duration.ofSeconds(2)), failure.cause(),
                    "the total timeout ended the ten-minute backoff");
            assertEquals(List.of("attempt 1", "interrupted 1"), seen, "no second attempt began");
        }
    }

    @Test
    void cancellingTheCommand_winsOverItsTimeout() throws Exception {
        try (var bus = bus(Pipeline.builder().clock(clock).attemptTimeout(Duration.ofSeconds(5)).build(),
                new CountDownLatch(1))) {
            var handle = bus.executeAsync(new CallTool("search"));
            ClockDriver.awaitParked("the handler to block", () -> runThread);
            assertTrue(handle.cancel("user pressed stop"));
            var failure = assertInstanceOf(CommandResult.Failure.class, handle.result().get(WAIT_SECONDS, TimeUnit.SECONDS));
            assertEquals(new FailureCause.Cancelled("user pressed stop"), failure.cause());
        }
    }

    @Test
    void aLongCall_keepsNoFinishedCallBehindIt_andStillTimesOut() throws Exception {
        Timeout timeout = Timeout.of(Duration.ofSeconds(10), clock);
        var release = new CountDownLatch(1);
        var longResult = new java.util.concurrent.CompletableFuture<CommandResult<String>>();
        Thread longCall = Thread.ofVirtual().start(() -> {
            try {
                longResult.complete(timeout.decorate(new CallTool("long"), null, TestContext.fixed(), context -> {
                    release.await();
                    return CommandResult.success("late");
                }));
            } catch (InterruptedException e) {
                longResult.completeExceptionally(e);
            }
        });
        ClockDriver.awaitParked("the long call to block", () -> longCall);
        for (int i = 0; i < 100_000; i++) {
            assertEquals(CommandResult.success("fast"),
                    timeout.decorate(new CallTool("fast"), null, TestContext.fixed(),
                            context -> CommandResult.success("fast")));
        }
        assertEquals(1, timeout.armedCount(), "only the long call is armed; the finished ones left no entry");

        clock.advance(Duration.ofSeconds(10));

        assertEquals(CommandResult.failure(new FailureCause.TimedOut(Duration.ofSeconds(10))),
                longResult.get(WAIT_SECONDS, TimeUnit.SECONDS));
        assertEquals(0, timeout.armedCount());
    }

    @Test
    void badDurations_areNamed() {
        var e = assertThrows(IllegalArgumentException.class, () -> Timeout.of(Duration.ZERO));
        assertTrue(e.getMessage().contains("PT0S"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Pipeline.builder().attemptTimeout(Duration.ofNanos(5)));
    }
}
