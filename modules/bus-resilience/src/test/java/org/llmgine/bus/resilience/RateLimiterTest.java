package org.llmgine.bus.resilience;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.llmgine.bus.ExecuteOptions;
import org.llmgine.bus.MessageBus;
import org.llmgine.bus.message.Command;
import org.llmgine.bus.message.CommandResult;
import org.llmgine.bus.message.FailureCause;

/** Token buckets per key through the bus, on an injected clock. */
final class RateLimiterTest {

    private static final long WAIT_SECONDS = 10;

    record AskModel(String prompt) implements Command<String> {}

    private final ManualClock clock = new ManualClock(Instant.parse("2026-01-01T00:00:00Z"));
    private final List<Instant> calls = new CopyOnWriteArrayList<>();
    private volatile Thread runThread;

    /** Notes the command's thread (every stage runs on it), so the driver moves the clock while it waits. */
    private final Decorator noteThread = new Decorator() {
        @Override
        public <R> CommandResult<R> decorate(org.llmgine.bus.message.Message message,
                org.llmgine.bus.handler.HandlerInfo handler, org.llmgine.bus.handler.MessageContext context,
                Call<R> next) throws InterruptedException {
            runThread = Thread.currentThread();
            return next.call(context);
        }
    };

    private MessageBus bus(Pipeline pipeline) {
        var policy = ResiliencePolicy.builder().clock(clock)
                .commands(AskModel.class, Pipeline.of(noteThread, pipeline)).build();
        MessageBus bus = policy.installOn(MessageBus.builder().name("quota").clock(clock)).start();
        bus.registerCommand(AskModel.class, (cmd, ctx) -> {
            calls.add(clock.instant());
            return cmd.prompt();
        });
        return bus;
    }

    @Test
    void pastTheQuota_aCallIsRefused_withTheTimeUntilTheNextToken() throws Exception {
        var limiters = RateLimiters.builder(2, Duration.ofSeconds(1)).clock(clock).build();
        try (var bus = bus(Pipeline.builder().rateLimiter(limiters).build())) {
            assertEquals("a", bus.execute(new AskModel("a")).orThrow());
            assertEquals("b", bus.execute(new AskModel("b")).orThrow());

            var failure = assertInstanceOf(CommandResult.Failure.class, bus.execute(new AskModel("c")));

            assertEquals(new FailureCause.RateLimited("AskModel", Duration.ofMillis(500)), failure.cause());
            assertEquals(2, calls.size(), "the refused call never reached the handler");
            clock.advance(Duration.ofMillis(500));
            assertEquals("d", bus.execute(new AskModel("d")).orThrow(), "a token came back after 500 ms");
            assertEquals(1, limiters.limiters().get("AskModel").snapshot().refused());
        }
    }

    @Test
    void aCallAllowedToWait_waitsForItsTokenOnTheClock() throws Exception {
        var limiters = RateLimiters.builder(1, Duration.ofSeconds(1)).maxWait(Duration.ofSeconds(2)).clock(clock)
                .build();
        try (var bus = bus(Pipeline.builder().rateLimiter(limiters).build())) {
            assertEquals("a", bus.execute(new AskModel("a")).orThrow());
            Instant begin = clock.instant();
            var waiting = bus.executeAsync(new AskModel("b"));
            ClockDriver.driveUntil(clock, Duration.ofMillis(50), () -> runThread, waiting::isDone);

            assertEquals("b", waiting.result().get(WAIT_SECONDS, TimeUnit.SECONDS).orThrow());
            Duration waited = Duration.between(begin, calls.get(1));
            assertTrue(waited.compareTo(Duration.ofSeconds(1)) >= 0, "waited for the token: " + waited);
        }
    }

    @Test
    void aRetryOutsideTheLimiter_waitsTheLimitersRetryAfter() throws Exception {
        var limiters = RateLimiters.builder(1, Duration.ofSeconds(1)).clock(clock).build();
        var pipeline = Pipeline.builder().clock(clock)
                .retry(RetryPolicy.builder().initialDelay(Duration.ofMillis(10)).jitter(false).build())
                .rateLimiter(limiters).build();
        try (var bus = bus(pipeline)) {
            assertEquals("a", bus.execute(new AskModel("a")).orThrow());
            var retried = bus.executeAsync(new AskModel("b"));
            ClockDriver.driveUntil(clock, Duration.ofMillis(50), () -> runThread, retried::isDone);

            assertEquals("b", retried.result().get(WAIT_SECONDS, TimeUnit.SECONDS).orThrow());
            Duration gap = Duration.between(calls.get(0), calls.get(1));
            assertTrue(gap.compareTo(Duration.ofSeconds(1)) >= 0, "the retry waited the limiter's 1 s, not 10 ms: " + gap);
        }
    }

    @Test
    void perProvider_eachKeyHasItsOwnBucket() throws Exception {
        var limiters = RateLimiters.builder(1, Duration.ofSeconds(1)).keyBy(KeyBy.header("provider")).clock(clock)
                .build();
        try (var bus = bus(Pipeline.builder().rateLimiter(limiters).build())) {
            var openai = ExecuteOptions.defaults().withHeader("provider", "openai");
            var anthropic = ExecuteOptions.defaults().withHeader("provider", "anthropic");
            assertEquals("a", bus.execute(new AskModel("a"), openai).orThrow());
            assertEquals("b", bus.execute(new AskModel("b"), anthropic).orThrow());
            assertInstanceOf(CommandResult.Failure.class, bus.execute(new AskModel("c"), openai));
            assertEquals(List.of("anthropic", "openai"), limiters.limiters().keySet().stream().sorted().toList());
        }
    }

    @Test
    void badArguments_areNamed() {
        assertEquals("permits must be at least 1, but was 0",
                assertThrows(IllegalArgumentException.class, () -> RateLimiters.of(0, Duration.ofSeconds(1)))
                        .getMessage());
        assertThrows(IllegalArgumentException.class, () -> RateLimiters.of(1, Duration.ZERO));
        assertThrows(IllegalArgumentException.class, () -> RateLimiters.builder(1, Duration.ofSeconds(1)).burst(0));
    }
}
