package org.llmgine.bus.resilience;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
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

/**
 * The README's LLM-provider example, run: retry with the provider's Retry-After, a breaker per
 * provider, and a dead letter queue replayed after the outage. The README shows the same policy on
 * the system clock.
 */
final class ProviderExampleTest {

    record AskModel(String prompt) implements Command<String> {}

    /** What a provider client throws: the HTTP status and the Retry-After it sent, if any. */
    static final class ProviderException extends RuntimeException {
        private static final long serialVersionUID = 1L;
        final int status;
        final transient @Nullable Duration retryAfter;

        ProviderException(int status, @Nullable Duration retryAfter) {
            super("provider answered " + status);
            this.status = status;
            this.retryAfter = retryAfter;
        }
    }

    private final ManualClock clock = new ManualClock(Instant.parse("2026-01-01T00:00:00Z"));
    private final AtomicBoolean openaiDown = new AtomicBoolean(true);
    private final AtomicInteger openaiCalls = new AtomicInteger();
    private volatile @Nullable Thread runThread;

    static boolean transientProviderFailure(FailureCause cause) {
        return cause instanceof FailureCause.HandlerThrew threw && threw.error() instanceof ProviderException p
                && (p.status == 429 || p.status >= 500);
    }

    static Optional<Duration> retryAfter(FailureCause cause) {
        return cause instanceof FailureCause.HandlerThrew threw && threw.error() instanceof ProviderException p
                ? Optional.ofNullable(p.retryAfter) : Optional.empty();
    }

    private String complete(String provider, String prompt) {
        if (provider.equals("openai")) {
            openaiCalls.incrementAndGet();
            if (openaiDown.get()) {
                throw new ProviderException(503, Duration.ofSeconds(2));
            }
        }
        return provider + " answers " + prompt;
    }

    @Test
    void retryAfter_perProviderBreaker_andReplayAfterTheOutage() throws Exception {
        // the README's policy, on the test's clock
        RetryPolicy retry = RetryPolicy.builder()
                .maxAttempts(3)
                .retryOn(ProviderExampleTest::transientProviderFailure)
                .delayFromCause(ProviderExampleTest::retryAfter)
                .build();
        CircuitBreakers perProvider = CircuitBreakers.builder(CircuitBreakerConfig.builder()
                        .consecutiveFailures(5, Duration.ofSeconds(60)).openDuration(Duration.ofSeconds(30)).build())
                .keyBy(KeyBy.header("provider")).clock(clock).build();
        DeadLetterQueue dlq = DeadLetterQueue.builder().clock(clock).build();
        Decorator noteThread = new Decorator() {
            @Override
            public <R> CommandResult<R> decorate(Message message, @Nullable HandlerInfo handler, MessageContext context,
                    Call<R> next) throws InterruptedException {
                runThread = Thread.currentThread();
                return next.call(context);
            }
        };
        ResiliencePolicy policy = ResiliencePolicy.builder().clock(clock)
                .commands(AskModel.class, Pipeline.of(noteThread, Pipeline.builder().clock(clock)
                        .retry(retry).circuitBreaker(perProvider).attemptTimeout(Duration.ofSeconds(60)).build()))
                .deadLetterQueue(dlq)
                .deadLetterOn(cause -> ResiliencePolicy.unprocessableByDefault(cause)
                        || cause instanceof FailureCause.CircuitOpen)
                .build();
        try (MessageBus bus = policy.installOn(MessageBus.builder().clock(clock)).start()) {
            bus.registerCommand(AskModel.class, (cmd, ctx) -> complete(ctx.headers().get("provider").orElseThrow(),
                    cmd.prompt()));
            var openai = ExecuteOptions.defaults().withHeader("provider", "openai");
            var anthropic = ExecuteOptions.defaults().withHeader("provider", "anthropic");

            // the outage: two executions of 3 attempts each; the breaker opens at the fifth failure
            List<CommandResult<String>> during = new ArrayList<>();
            List<Instant> started = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                started.add(clock.instant());
                CommandHandle<String> handle = bus.executeAsync(new AskModel("q" + i), openai);
                ClockDriver.driveUntil(clock, Duration.ofMillis(100), () -> runThread, handle::isDone);
                during.add(handle.await(Duration.ofSeconds(10)));
            }
            assertEquals("anthropic answers q", bus.execute(new AskModel("q"), anthropic).orThrow(),
                    "the other provider's breaker is closed");

            var first = assertInstanceOf(FailureCause.RetriesExhausted.class,
                    ((CommandResult.Failure<?>) during.get(0)).cause());
            assertEquals(3, first.attempts());
            assertInstanceOf(FailureCause.CircuitOpen.class, ((CommandResult.Failure<?>) during.get(2)).cause(),
                    "the third execution is refused without calling the provider");
            assertEquals(5, openaiCalls.get(), "3 attempts, then 2 before the breaker opened, then none");
            assertEquals(CircuitBreaker.State.OPEN, perProvider.breaker("openai").orElseThrow().state());
            assertEquals(CircuitBreaker.State.CLOSED, perProvider.breaker("anthropic").orElseThrow().state());
            assertEquals(3, dlq.size());

            // the outage ends; once the breaker lets probes through, replay the queue
            openaiDown.set(false);
            clock.advance(Duration.ofSeconds(30));
            List<ReplayResult> replays = new ArrayList<>();
            for (DeadLetter entry : dlq.list()) {
                replays.add(dlq.replay(entry.id()));
            }

            assertTrue(replays.stream().allMatch(r -> r instanceof ReplayResult.Replayed), replays.toString());
            assertEquals(0, dlq.size());
            assertEquals(CircuitBreaker.State.CLOSED, perProvider.breaker("openai").orElseThrow().state(),
                    "three successful probes closed it");
        }
    }
}
