package org.llmgine.bus.resilience;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.llmgine.bus.MessageBus;
import org.llmgine.bus.handler.HandlerInfo;
import org.llmgine.bus.handler.HandlerOptions;
import org.llmgine.bus.handler.MessageContext;
import org.llmgine.bus.message.Command;
import org.llmgine.bus.message.CommandResult;
import org.llmgine.bus.message.Event;
import org.llmgine.bus.message.FailureCause;
import org.llmgine.bus.message.HandlerFailed;
import org.llmgine.bus.message.Message;

/** How strategies compose: the default order, explicit orders, and the pipeline applied to event handlers. */
final class PipelineTest {

    record AskModel(String prompt) implements Command<String> {}

    record ToolCalled(String tool) implements Event {}

    private final ManualClock clock = new ManualClock(Instant.parse("2026-01-01T00:00:00Z"));
    private final List<String> trace = new CopyOnWriteArrayList<>();
    private volatile @Nullable Thread runThread;

    /** Records each pass through it, with the attempt the context reports. */
    private Decorator recorder(String name) {
        return new Decorator() {
            @Override
            public <R> CommandResult<R> decorate(Message message, @Nullable HandlerInfo handler, MessageContext context,
                    Call<R> next) throws InterruptedException {
                runThread = Thread.currentThread();
                trace.add(name + "@" + context.attempt());
                return next.call(context);
            }
        };
    }

    @Test
    void theBuilder_putsTheStagesInTheDefaultOrder_whateverOrderTheyAreSetIn() {
        var breakers = CircuitBreakers.of(CircuitBreakerConfig.defaults());
        var limiters = RateLimiters.of(10, Duration.ofSeconds(1));
        var bulkheads = Bulkheads.of(4);
        Pipeline pipeline = Pipeline.builder()
                .attemptTimeout(Duration.ofSeconds(1))
                .circuitBreaker(breakers)
                .rateLimiter(limiters)
                .retry(RetryPolicy.defaults())
                .totalTimeout(Duration.ofSeconds(10))
                .bulkhead(bulkheads)
                .build();

        List<Decorator> stages = pipeline.stages();

        assertEquals(6, stages.size());
        assertEquals(bulkheads, stages.get(0));
        assertEquals(Duration.ofSeconds(10), assertInstanceOf(Timeout.class, stages.get(1)).duration(), "total timeout");
        assertInstanceOf(Retry.class, stages.get(2));
        assertEquals(limiters, stages.get(3));
        assertEquals(breakers, stages.get(4));
        assertEquals(Duration.ofSeconds(1), assertInstanceOf(Timeout.class, stages.get(5)).duration(), "attempt timeout");
    }

    @Test
    void aRetry_runsEveryStageInsideItAgain_andTheStagesOutsideOnce() throws Exception {
        var policy = RetryPolicy.builder().maxAttempts(3).initialDelay(Duration.ofMillis(1)).jitter(false).build();
        Pipeline pipeline = Pipeline.of(recorder("outside"), Retry.of(policy).withClock(clock), recorder("inside"));
        var resilience = ResiliencePolicy.builder().clock(clock).commands(AskModel.class, pipeline).build();
        var failures = new AtomicInteger(2);
        try (var bus = resilience.installOn(MessageBus.builder().clock(clock)).start()) {
            bus.registerCommand(AskModel.class, (cmd, ctx) -> {
                if (failures.getAndDecrement() > 0) {
                    throw new IllegalStateException("503");
                }
                return "ok";
            });
            var handle = bus.executeAsync(new AskModel("hi"));
            ClockDriver.driveUntil(clock, Duration.ofMillis(1), () -> runThread, handle::isDone);

            assertEquals("ok", handle.await(Duration.ofSeconds(10)).orThrow());
            assertEquals(List.of("outside@1", "inside@1", "inside@2", "inside@3"), trace);
        }
    }

    @Test
    void aBreakerOutsideTheRetry_countsWholeExecutions_notAttempts() throws Exception {
        var breakers = CircuitBreakers.builder(CircuitBreakerConfig.builder().consecutiveFailures(2,
                Duration.ofMinutes(1)).build()).clock(clock).build();
        var policy = RetryPolicy.builder().maxAttempts(3).initialDelay(Duration.ofMillis(1)).jitter(false).build();
        Pipeline pipeline = Pipeline.of(recorder("outside"), breakers, Retry.of(policy).withClock(clock));
        var resilience = ResiliencePolicy.builder().clock(clock).commands(AskModel.class, pipeline).build();
        try (var bus = resilience.installOn(MessageBus.builder().clock(clock)).start()) {
            bus.registerCommand(AskModel.class, (cmd, ctx) -> {
                throw new IllegalStateException("503");
            });
            var first = bus.executeAsync(new AskModel("hi"));
            ClockDriver.driveUntil(clock, Duration.ofMillis(1), () -> runThread, first::isDone);

            assertInstanceOf(FailureCause.RetriesExhausted.class,
                    ((CommandResult.Failure<?>) first.await(Duration.ofSeconds(10))).cause());
            assertEquals(CircuitBreaker.State.CLOSED, breakers.breaker(AskModel.class).orElseThrow().state(),
                    "three failed attempts are one failed execution for a breaker outside the retry");
        }
    }

    @Test
    void wrap_composesTheSameStages_onceForManyCalls() throws Exception {
        Pipeline pipeline = Pipeline.of(recorder("a"), recorder("b"));
        var calls = new AtomicInteger();
        Call<String> guarded = pipeline.wrap(new AskModel("hi"), null, context -> {
            calls.incrementAndGet();
            return CommandResult.success("ok");
        });
        var context = TestContext.fixed();
        assertEquals(CommandResult.success("ok"), guarded.call(context));
        assertEquals(CommandResult.success("ok"), guarded.call(context));
        assertEquals(List.of("a@1", "b@1", "a@1", "b@1"), trace);
        assertEquals(2, calls.get());
    }

    @Test
    void anEventHandler_isRetriedByItsPipeline_andFailsOnce_withOneHandlerFailed() throws Exception {
        var policy = RetryPolicy.builder().maxAttempts(3).initialDelay(Duration.ofMillis(1)).jitter(false).build();
        var resilience = ResiliencePolicy.builder().clock(clock)
                .events(ToolCalled.class, "audit", Pipeline.of(recorder("audit"), Retry.of(policy).withClock(clock)))
                .build();
        var attempts = new CopyOnWriteArrayList<Integer>();
        var failed = new CopyOnWriteArrayList<HandlerFailed>();
        var others = new AtomicInteger();
        try (var bus = resilience.installOn(MessageBus.builder().clock(clock)).start()) {
            bus.subscribe(HandlerFailed.class, failed::add);
            bus.registerEventHandler(ToolCalled.class, HandlerOptions.named("audit"), (event, ctx) -> {
                attempts.add(ctx.attempt());
                throw new IllegalStateException("audit store down");
            });
            bus.subscribe(ToolCalled.class, event -> others.incrementAndGet());

            bus.publish(new ToolCalled("search"));
            ClockDriver.driveUntil(clock, Duration.ofMillis(1), () -> runThread, () -> !failed.isEmpty());
            assertTrue(bus.awaitIdle(Duration.ofSeconds(10)));

            assertEquals(List.of(1, 2, 3), attempts, "the handler ran three times and read its attempt");
            assertEquals(1, failed.size(), "one HandlerFailed for the invocation, not one per attempt");
            var error = assertInstanceOf(ResilienceException.class, failed.get(0).error());
            assertInstanceOf(FailureCause.RetriesExhausted.class, error.failure());
            assertEquals("audit store down", error.getCause().getMessage());
            assertEquals(1, others.get(), "the unguarded handler ran once");
        }
    }
}
