package org.llmgine.bus.resilience;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.llmgine.bus.message.Command;
import org.llmgine.bus.message.CommandResult;
import org.llmgine.bus.message.FailureCause;

/** The call counts by kind a metrics binding exports: a breaker's and a retry's. */
final class CallCountsTest {

    record Ask(String prompt) implements Command<String> {}

    private final ManualClock clock = new ManualClock(Instant.parse("2026-01-01T00:00:00Z"));
    private final TestContext context = TestContext.on(clock);

    private static CommandResult<String> fail() {
        return CommandResult.failure(new FailureCause.HandlerThrew(new IllegalStateException("503")));
    }

    @Test
    void aBreakerCountsSuccessfulFailedNotPermittedAndSlowCalls() throws Exception {
        var breaker = CircuitBreaker.of("provider", CircuitBreakerConfig.builder()
                .consecutiveFailures(2, Duration.ofMinutes(1)).slowCalls(Duration.ofSeconds(1), 1.0)
                .timeWindow(Duration.ofSeconds(10)).minimumCalls(100).build(), clock);
        breaker.decorate(new Ask("a"), null, context, c -> CommandResult.success("ok"));
        breaker.decorate(new Ask("b"), null, context, c -> {
            clock.advance(Duration.ofSeconds(2));
            return CommandResult.success("slow");
        });
        breaker.decorate(new Ask("c"), null, context, c -> CommandResult.failure(new FailureCause.Cancelled("x")));
        breaker.decorate(new Ask("d"), null, context, c -> fail());
        breaker.decorate(new Ask("e"), null, context, c -> fail()); // opens
        breaker.decorate(new Ask("f"), null, context, c -> CommandResult.success("refused"));

        assertEquals(new CircuitBreaker.Calls(2, 2, 1, 1), breaker.calls(),
                "a cancellation counts as neither; the slow success is also a success");
    }

    @Test
    void aRetryCountsItsCallsByOutcome() throws Exception {
        var retry = Retry.of(RetryPolicy.builder().maxAttempts(3).initialDelay(Duration.ofMillis(1)).jitter(false)
                .build()).withClock(clock);
        var calls = new AtomicInteger();
        // 1: ok at once; 2: fails once, then ok; 3: fails for good; 4: a final failure at once
        assertEquals(CommandResult.success("ok"), retry.decorate(new Ask("1"), null, context,
                c -> CommandResult.success("ok")));
        assertEquals(CommandResult.success("ok"), retry.decorate(new Ask("2"), null, context,
                c -> calls.incrementAndGet() == 1 ? fail() : CommandResult.success("ok")));
        retry.decorate(new Ask("3"), null, context, c -> fail());
        retry.decorate(new Ask("4"), null, context, c -> CommandResult.failure(new FailureCause.Rejected("no")));

        assertEquals(new Retry.Calls(1, 1, 1, 1), retry.calls());
    }
}
