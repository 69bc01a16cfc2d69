package org.llmgine.bus.resilience;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.llmgine.bus.CommandHandle;
import org.llmgine.bus.ExecuteOptions;
import org.llmgine.bus.MessageBus;
import org.llmgine.bus.handler.HandlerInfo;
import org.llmgine.bus.handler.MessageContext;
import org.llmgine.bus.message.Command;
import org.llmgine.bus.message.CommandResult;
import org.llmgine.bus.message.FailureCause;
import org.llmgine.bus.message.Message;

/** Error statistics per command type and per key: executions and attempts apart, a failure rate that is a rate. */
final class ErrorStatsTest {

    record AskModel(String prompt) implements Command<String> {}

    private final ManualClock clock = new ManualClock(Instant.parse("2026-01-01T00:00:00Z"));
    private volatile @Nullable Thread runThread;
    private final AtomicInteger failuresLeft = new AtomicInteger();

    private ResiliencePolicy policy() {
        Decorator noteThread = new Decorator() {
            @Override
            public <R> CommandResult<R> decorate(Message message, @Nullable HandlerInfo handler, MessageContext context,
                    Call<R> next) throws InterruptedException {
                runThread = Thread.currentThread();
                return next.call(context);
            }
        };
        var retry = RetryPolicy.builder().maxAttempts(3).initialDelay(Duration.ofMillis(1)).jitter(false).build();
        return ResiliencePolicy.builder().clock(clock)
                .commands(AskModel.class, Pipeline.of(noteThread, Retry.of(retry).withClock(clock)))
                .statsKeyBy(KeyBy.header("provider"), 16)
                .build();
    }

    private CommandResult<String> run(MessageBus bus, String provider) throws Exception {
        CommandHandle<String> handle = bus.executeAsync(new AskModel("hi"),
                ExecuteOptions.defaults().withHeader("provider", provider));
        ClockDriver.driveUntil(clock, Duration.ofMillis(1), () -> runThread, handle::isDone);
        return handle.await(Duration.ofSeconds(10));
    }

    @Test
    void executionsAndAttemptsAreCountedApart_andTheFailureRateNeverExceedsOne() throws Exception {
        var policy = policy();
        try (var bus = policy.installOn(MessageBus.builder().clock(clock)).start()) {
            bus.registerCommand(AskModel.class, (cmd, ctx) -> {
                if (failuresLeft.getAndDecrement() > 0) {
                    throw new IllegalStateException("503");
                }
                return "ok";
            });
            failuresLeft.set(2);
            assertEquals("ok", run(bus, "openai").orThrow()); // 3 attempts, 1 successful execution
            failuresLeft.set(100);
            assertInstanceOf(CommandResult.Failure.class, run(bus, "openai")); // 3 failed attempts
            assertInstanceOf(CommandResult.Failure.class, run(bus, "anthropic")); // 3 failed attempts

            var total = policy.errorStats().of(new ErrorStats.Key("AskModel", null, null));
            assertEquals(3, total.executions());
            assertEquals(2, total.failedExecutions());
            assertEquals(9, total.attempts());
            assertEquals(8, total.failedAttempts());
            assertEquals(6, total.consecutiveFailures(), "failed attempts since the last success");
            assertEquals(2.0 / 3, total.failureRate(), 1e-9, "failed executions over executions");
            assertTrue(total.failureRate() <= 1 && total.attemptFailureRate() <= 1);
            assertNotNull(total.lastFailure());
            assertInstanceOf(FailureCause.HandlerThrew.class, total.lastCause());

            var openai = policy.errorStats().of(new ErrorStats.Key("AskModel", null, "openai"));
            assertEquals(2, openai.executions());
            assertEquals(1, openai.failedExecutions());
            var anthropic = policy.errorStats().of(new ErrorStats.Key("AskModel", null, "anthropic"));
            assertEquals(1, anthropic.executions());
            assertEquals(1.0, anthropic.failureRate(), "every execution failed: the rate is 1, not 3");
        }
    }

    @Test
    void anUnseenKey_hasZeroCounts() {
        var snapshot = policy().errorStats().of(new ErrorStats.Key("Nothing", null, null));
        assertEquals(0, snapshot.executions());
        assertEquals(0.0, snapshot.failureRate());
        assertNull(snapshot.lastFailure());
    }
}
