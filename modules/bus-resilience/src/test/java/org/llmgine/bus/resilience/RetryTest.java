package org.llmgine.bus.resilience;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.llmgine.bus.CommandHandle;
import org.llmgine.bus.MessageBus;
import org.llmgine.bus.message.Command;
import org.llmgine.bus.message.CommandCompleted;
import org.llmgine.bus.message.CommandResult;
import org.llmgine.bus.message.FailureCause;

/** Retry through the bus: the Python bus's scenarios, on an injected clock, without sleeping. */
final class RetryTest {

    private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
    private static final long WAIT_SECONDS = 10;

    record AskModel(String prompt) implements Command<String> {}

    private final ManualClock clock = new ManualClock(T0);
    private final List<Instant> calls = new CopyOnWriteArrayList<>();
    private final List<Integer> attempts = new CopyOnWriteArrayList<>();
    /** The command's own thread (every attempt runs on it); the driver moves the clock only while it waits. */
    private volatile Thread runThread;

    private MessageBus bus(RetryPolicy policy, int failures) {
        var resilience = ResiliencePolicy.builder().clock(clock)
                .commands(AskModel.class, Pipeline.builder().clock(clock).retry(policy).build()).build();
        var bus = resilience.installOn(MessageBus.builder().name("retrying").clock(clock)).start();
        var count = new AtomicInteger();
        bus.registerCommand(AskModel.class, (cmd, ctx) -> {
            runThread = Thread.currentThread();
            calls.add(clock.instant());
            attempts.add(ctx.attempt());
            if (count.incrementAndGet() <= failures) {
                throw new IllegalStateException("model 503 on call " + count.get());
            }
            return "answer to " + cmd.prompt();
        });
        return bus;
    }

    /**
     * Advances the clock a millisecond at a time, only while the command's thread waits (in its
     * backoff), until the handle is done; the whole drive has a deadline.
     */
    private CommandResult<String> drive(CommandHandle<String> handle) throws Exception {
        ClockDriver.driveUntil(clock, Duration.ofMillis(1), () -> runThread, handle::isDone, "the command's end");
        return handle.result().get(WAIT_SECONDS, TimeUnit.SECONDS);
    }

    private static RetryPolicy exact(int maxAttempts) {
        return RetryPolicy.builder().maxAttempts(maxAttempts).initialDelay(Duration.ofMillis(10)).jitter(false).build();
    }

    @Test
    void successFirstTime_oneAttempt() throws Exception {
        try (var bus = bus(exact(4), 0)) {
            assertEquals("answer to hi", bus.execute(new AskModel("hi")).orThrow());
            assertEquals(List.of(1), attempts);
        }
    }

    @Test
    void failsTwice_thenSucceedsOnTheThirdAttempt_afterGapsOf10And20Milliseconds() throws Exception {
        var completed = new CompletableFuture<CommandCompleted>();
        try (var bus = bus(exact(4), 2)) {
            bus.subscribe(CommandCompleted.class, completed::complete);
            var handle = bus.executeAsync(new AskModel("hi"));

            assertEquals("answer to hi", drive(handle).orThrow());

            assertEquals(List.of(1, 2, 3), attempts, "the handler read its attempt");
            // never retried early: the gaps on the bus's clock are at least the backoff (10 ms, then
            // 20 ms; Backoff's own test checks the exact values); the driver may overshoot a little
            Duration first = Duration.between(calls.get(0), calls.get(1));
            Duration second = Duration.between(calls.get(1), calls.get(2));
            assertTrue(first.compareTo(Duration.ofMillis(10)) >= 0, "first gap " + first);
            assertTrue(second.compareTo(Duration.ofMillis(20)) >= 0, "second gap " + second);
            CommandCompleted done = completed.get(WAIT_SECONDS, TimeUnit.SECONDS);
            assertEquals(3, done.attempts(), "one CommandCompleted for the execution, with its attempts");
            assertEquals(handle.commandId(), done.commandId(), "the same command id for every attempt");
        }
    }

    @Test
    void afterTheLastAttempt_theResultIsRetriesExhausted_withTheAttemptsAndTheLastCause() throws Exception {
        try (var bus = bus(exact(3), 10)) {
            var result = drive(bus.executeAsync(new AskModel("hi")));
            var failure = assertInstanceOf(CommandResult.Failure.class, result);
            var exhausted = assertInstanceOf(FailureCause.RetriesExhausted.class, failure.cause());
            assertEquals(3, exhausted.attempts());
            var last = assertInstanceOf(FailureCause.HandlerThrew.class, exhausted.last());
            assertEquals("model 503 on call 3", last.error().getMessage());
            assertEquals(3, calls.size());
        }
    }

    @Test
    void aMaxTotalDuration_stopsTheRetries() throws Exception {
        var policy = RetryPolicy.builder().maxAttempts(10).initialDelay(Duration.ofMillis(10)).jitter(false)
                .maxTotalDuration(Duration.ofMillis(25)).build();
        try (var bus = bus(policy, 10)) {
            var failure = assertInstanceOf(CommandResult.Failure.class, drive(bus.executeAsync(new AskModel("hi"))));
            var exhausted = assertInstanceOf(FailureCause.RetriesExhausted.class, failure.cause());
            assertEquals(2, exhausted.attempts(), "10 ms, then a 20 ms wait would end past 25 ms");
        }
    }

    @Test
    void aRateLimitsRetryAfter_isHonoured_overTheBackoff() throws Exception {
        var policy = RetryPolicy.builder().initialDelay(Duration.ofMillis(10)).jitter(false).build();
        var answered429 = new AtomicInteger();
        // inside the retry: answers 429 once, the way a provider client's decorator would
        Decorator provider = new Decorator() {
            @Override
            public <R> CommandResult<R> decorate(org.llmgine.bus.message.Message message,
                    org.llmgine.bus.handler.HandlerInfo handler, org.llmgine.bus.handler.MessageContext context,
                    Call<R> next) throws InterruptedException {
                runThread = Thread.currentThread();
                return answered429.getAndIncrement() == 0
                        ? CommandResult.failure(new FailureCause.RateLimited("provider", Duration.ofMillis(300)))
                        : next.call(context);
            }
        };
        var resilience = ResiliencePolicy.builder().clock(clock)
                .commands(AskModel.class, Pipeline.of(Retry.of(policy).withClock(clock), provider)).build();
        try (var bus = resilience.installOn(MessageBus.builder().name("rate-limited").clock(clock)).start()) {
            bus.registerCommand(AskModel.class, (cmd, ctx) -> {
                calls.add(clock.instant());
                return "ok";
            });
            Instant begin = clock.instant();

            assertEquals("ok", drive(bus.executeAsync(new AskModel("hi"))).orThrow());

            assertEquals(1, calls.size());
            Duration waited = Duration.between(begin, calls.get(0));
            assertTrue(waited.compareTo(Duration.ofMillis(300)) >= 0,
                    "waited the provider's 300 ms, not the 10 ms backoff: " + waited);
        }
    }

    @Test
    void cancellingDuringTheBackoff_endsTheCommandAsCancelled() throws Exception {
        try (var bus = bus(RetryPolicy.builder().initialDelay(Duration.ofMinutes(5)).maxDelay(Duration.ofMinutes(5))
                .jitter(false).build(), 10)) {
            var handle = bus.executeAsync(new AskModel("hi"));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_SECONDS);
            while (calls.isEmpty()) {
                assertTrue(System.nanoTime() < deadline, "no first attempt");
                Thread.onSpinWait();
            }
            assertTrue(handle.cancel("user pressed stop"));
            var failure = assertInstanceOf(CommandResult.Failure.class, handle.result().get(WAIT_SECONDS, TimeUnit.SECONDS));
            assertEquals(new FailureCause.Cancelled("user pressed stop"), failure.cause());
            assertEquals(1, calls.size(), "no attempt after the cancel");
        }
    }

    @Test
    void aFailedResult_isRetriedLikeAnException() throws Exception {
        var failures = new AtomicInteger(2);
        // a stage inside the retry that answers with a failure result instead of throwing, the way a
        // provider client's decorator reports a 503
        Decorator provider = new Decorator() {
            @Override
            public <R> CommandResult<R> decorate(org.llmgine.bus.message.Message message,
                    org.llmgine.bus.handler.HandlerInfo handler, org.llmgine.bus.handler.MessageContext context,
                    Call<R> next) throws InterruptedException {
                runThread = Thread.currentThread();
                attempts.add(context.attempt());
                return failures.getAndDecrement() > 0
                        ? CommandResult.failure(new FailureCause.HandlerThrew(new IllegalStateException("model 503")))
                        : next.call(context);
            }
        };
        var resilience = ResiliencePolicy.builder().clock(clock)
                .commands(AskModel.class, Pipeline.of(Retry.of(exact(4)).withClock(clock), provider)).build();
        try (var bus = resilience.installOn(MessageBus.builder().clock(clock)).start()) {
            bus.registerCommand(AskModel.class, (cmd, ctx) -> "ok");
            assertEquals("ok", drive(bus.executeAsync(new AskModel("hi"))).orThrow());
            assertEquals(List.of(1, 2, 3), attempts);
        }
    }

    @Test
    void anAbortPredicate_endsTheRetriesAtOnce() throws Exception {
        var policy = RetryPolicy.builder().initialDelay(Duration.ofMillis(10)).jitter(false)
                .abortOn(RetryPolicy.thrown(SecurityException.class)).build();
        var resilience = ResiliencePolicy.builder().clock(clock)
                .commands(AskModel.class, Pipeline.builder().clock(clock).retry(policy).build()).build();
        try (var bus = resilience.installOn(MessageBus.builder().clock(clock)).start()) {
            bus.registerCommand(AskModel.class, (cmd, ctx) -> {
                attempts.add(ctx.attempt());
                throw new SecurityException("invalid API key");
            });
            var failure = assertInstanceOf(CommandResult.Failure.class, bus.execute(new AskModel("hi")));
            assertInstanceOf(FailureCause.HandlerThrew.class, failure.cause(), "returned as it is, not exhausted");
            assertEquals(List.of(1), attempts);
        }
    }

    @Test
    void twoCommandsRetryingConcurrently_eachKeepsItsOwnAttempts_andOneStartedAndCompletedPerExecute()
            throws Exception {
        var started = new CopyOnWriteArrayList<org.llmgine.bus.message.CommandStarted>();
        var completed = new CopyOnWriteArrayList<CommandCompleted>();
        var perPrompt = new java.util.concurrent.ConcurrentHashMap<String, List<Integer>>();
        var threads = new CopyOnWriteArrayList<Thread>();
        var resilience = ResiliencePolicy.builder().clock(clock)
                .commands(AskModel.class, Pipeline.builder().clock(clock).retry(exact(4)).build()).build();
        try (var bus = resilience.installOn(MessageBus.builder().clock(clock)).start()) {
            bus.subscribe(org.llmgine.bus.message.CommandStarted.class, started::add);
            bus.subscribe(CommandCompleted.class, completed::add);
            bus.registerCommand(AskModel.class, (cmd, ctx) -> {
                threads.addIfAbsent(Thread.currentThread());
                var mine = perPrompt.computeIfAbsent(cmd.prompt(), p -> new CopyOnWriteArrayList<>());
                mine.add(ctx.attempt());
                if (mine.size() < 3) {
                    throw new IllegalStateException("model 503");
                }
                return "answer to " + cmd.prompt();
            });
            var a = bus.executeAsync(new AskModel("a"));
            var b = bus.executeAsync(new AskModel("b"));
            ClockDriver.driveUntil(clock, Duration.ofMillis(1),
                    () -> threads.stream().filter(ClockDriver::waiting).findFirst().orElse(null),
                    () -> a.isDone() && b.isDone());

            assertEquals("answer to a", a.await(Duration.ofSeconds(WAIT_SECONDS)).orThrow());
            assertEquals("answer to b", b.await(Duration.ofSeconds(WAIT_SECONDS)).orThrow());
            assertEquals(List.of(1, 2, 3), perPrompt.get("a"));
            assertEquals(List.of(1, 2, 3), perPrompt.get("b"));
            assertTrue(bus.awaitIdle(Duration.ofSeconds(WAIT_SECONDS)));
            assertEquals(2, started.size(), "one CommandStarted per execute, not per attempt (B-21)");
            assertEquals(2, completed.size(), "one CommandCompleted per execute");
            assertTrue(completed.stream().allMatch(c -> c.attempts() == 3), "each reports its 3 attempts");
        }
    }
}
