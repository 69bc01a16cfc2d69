package org.llmgine.bus.resilience;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.llmgine.bus.handler.MessageContext;
import org.llmgine.bus.message.Command;
import org.llmgine.bus.message.CommandResult;
import org.llmgine.bus.message.FailureCause;
import org.llmgine.bus.message.Message;
import org.llmgine.bus.resilience.CircuitBreaker.State;
import org.llmgine.bus.resilience.CircuitBreaker.Transition;

/**
 * The circuit breaker's rules, run through the {@link CircuitBreakers} decorator on a manual clock:
 * the consecutive, failure-rate and slow-call rules, open and half-open, the manual states, keys,
 * transitions and configuration checks.
 */
final class CircuitBreakerTest {

    private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
    private static final long WAIT_SECONDS = 10;
    private static final Ask ASK = new Ask("hi");

    record Ask(String prompt) implements Command<String> {}

    record Search(String query) implements Command<String> {}

    private final ManualClock clock = new ManualClock(T0);
    private final TestContext context = TestContext.on(clock);
    /** How many calls reached the handler. */
    private final AtomicInteger invocations = new AtomicInteger();
    private final List<Transition> transitions = new CopyOnWriteArrayList<>();

    // ---- helpers ----

    private CircuitBreakers breakers(CircuitBreakerConfig config) {
        return breakers(CircuitBreakers.builder(config));
    }

    private CircuitBreakers breakers(CircuitBreakers.Builder builder) {
        CircuitBreakers breakers = builder.clock(clock).build();
        breakers.onTransition(transitions::add);
        return breakers;
    }

    private Call<String> succeeding() {
        return ctx -> {
            invocations.incrementAndGet();
            return CommandResult.success("ok");
        };
    }

    private Call<String> failing(FailureCause cause) {
        return ctx -> {
            invocations.incrementAndGet();
            return CommandResult.failure(cause);
        };
    }

    private Call<String> failing() {
        return failing(threw());
    }

    /** A successful call that takes {@code duration} on the manual clock. */
    private Call<String> taking(Duration duration) {
        return ctx -> {
            invocations.incrementAndGet();
            clock.advance(duration);
            return CommandResult.success("slow ok");
        };
    }

    private static FailureCause threw() {
        return new FailureCause.HandlerThrew(new IllegalStateException("model 503"));
    }

    private CommandResult<String> run(CircuitBreakers breakers, Call<String> call) throws InterruptedException {
        return run(breakers, ASK, context, call);
    }

    private CommandResult<String> run(CircuitBreakers breakers, Message message, MessageContext ctx, Call<String> call)
            throws InterruptedException {
        return breakers.decorate(message, null, ctx, call);
    }

    private void fail(CircuitBreakers breakers, int times) throws InterruptedException {
        for (int i = 0; i < times; i++) {
            run(breakers, failing());
        }
    }

    private void succeed(CircuitBreakers breakers, int times) throws InterruptedException {
        for (int i = 0; i < times; i++) {
            assertInstanceOf(CommandResult.Success.class, run(breakers, succeeding()));
        }
    }

    private static State state(CircuitBreakers breakers) {
        return breaker(breakers).state();
    }

    private static CircuitBreaker breaker(CircuitBreakers breakers) {
        return breakers.breaker(Ask.class).orElseThrow(() -> new AssertionError("no breaker for Ask"));
    }

    private static FailureCause.CircuitOpen assertRefused(CommandResult<?> result) {
        var failure = assertInstanceOf(CommandResult.Failure.class, result);
        return assertInstanceOf(FailureCause.CircuitOpen.class, failure.cause());
    }

    /** Opens a breaker of the default configuration and returns when it opened. */
    private Instant openDefault(CircuitBreakers breakers) throws InterruptedException {
        fail(breakers, 5);
        assertEquals(State.OPEN, state(breakers));
        return clock.instant();
    }

    private static void assertRejects(String field, String value, Executable build) {
        var e = assertThrows(IllegalArgumentException.class, build);
        assertTrue(e.getMessage().contains(field), "names the field '" + field + "': " + e.getMessage());
        assertTrue(e.getMessage().contains(value), "names the value '" + value + "': " + e.getMessage());
    }

    private static <T> T await(CompletableFuture<T> future) throws Exception {
        return future.get(WAIT_SECONDS, TimeUnit.SECONDS);
    }

    // ---- closed, open, half-open ----

    @Test
    void closed_admitsEverySuccessfulCall() throws Exception {
        var breakers = breakers(CircuitBreakerConfig.defaults());
        for (int i = 0; i < 100; i++) {
            assertEquals("ok", run(breakers, succeeding()).orThrow());
        }
        assertEquals(100, invocations.get());
        assertEquals(State.CLOSED, state(breakers));
        assertEquals(0, breaker(breakers).snapshot().consecutiveFailures());
        assertEquals(List.of(), transitions);
    }

    @Test
    void byDefault_opensAtTheFifthConsecutiveFailure_notBefore() throws Exception {
        var breakers = breakers(CircuitBreakerConfig.defaults());
        for (int i = 1; i <= 4; i++) {
            var failure = assertInstanceOf(CommandResult.Failure.class, run(breakers, failing()));
            assertInstanceOf(FailureCause.HandlerThrew.class, failure.cause(), "the handler's failure passes through");
            assertEquals(State.CLOSED, state(breakers), "after " + i + " failures");
            assertEquals(i, breaker(breakers).snapshot().consecutiveFailures());
        }
        var fifth = assertInstanceOf(CommandResult.Failure.class, run(breakers, failing()));
        assertInstanceOf(FailureCause.HandlerThrew.class, fifth.cause(), "the call that opens it ran and failed");
        assertEquals(State.OPEN, state(breakers));
        assertEquals(5, invocations.get());
        assertEquals(1, transitions.size());
        assertEquals(State.CLOSED, transitions.get(0).from());
        assertEquals(State.OPEN, transitions.get(0).to());
        assertTrue(transitions.get(0).reason().contains("5 consecutive failures"), transitions.get(0).reason());
    }

    @Test
    void whileOpen_callsAreRefusedWithCircuitOpen_namingTheBreakerAndRetryTime_withoutReachingTheHandler()
            throws Exception {
        var breakers = breakers(CircuitBreakerConfig.defaults());
        Instant opened = openDefault(breakers);
        for (int i = 0; i < 10; i++) {
            clock.advance(Duration.ofSeconds(5));
            var refused = assertRefused(run(breakers, succeeding()));
            assertEquals("Ask", refused.breaker());
            assertEquals(opened.plus(Duration.ofSeconds(60)), refused.retryAt());
        }
        assertEquals(5, invocations.get(), "no refused call reached the handler");
        assertEquals(opened.plus(Duration.ofSeconds(60)), breaker(breakers).snapshot().retryAt());
        assertEquals(State.OPEN, state(breakers));
    }

    @Test
    void afterTheOpenDuration_theNextCallIsAProbe_andTheBreakerIsHalfOpen() throws Exception {
        var breakers = breakers(CircuitBreakerConfig.defaults());
        openDefault(breakers);
        clock.advance(Duration.ofSeconds(60).minusMillis(1));
        assertRefused(run(breakers, succeeding()));
        assertEquals(State.OPEN, state(breakers), "the duration has not passed");
        clock.advance(Duration.ofMillis(1));
        assertEquals(State.OPEN, state(breakers), "stays OPEN until a call arrives");

        assertEquals("ok", run(breakers, succeeding()).orThrow());

        assertEquals(6, invocations.get(), "the probe reached the handler");
        assertEquals(State.HALF_OPEN, state(breakers), "one success of the three needed");
        assertNull(breaker(breakers).snapshot().retryAt());
    }

    @Test
    void halfOpen_closesAfterSuccessThresholdSuccessfulProbes() throws Exception {
        var breakers = breakers(CircuitBreakerConfig.builder().successThreshold(2).build());
        openDefault(breakers);
        clock.advance(Duration.ofSeconds(60));
        succeed(breakers, 1);
        assertEquals(State.HALF_OPEN, state(breakers));
        succeed(breakers, 1);
        assertEquals(State.CLOSED, state(breakers));
        assertEquals(0, breaker(breakers).snapshot().consecutiveFailures(), "closing forgets the failures");
        fail(breakers, 4);
        assertEquals(State.CLOSED, state(breakers), "the count starts again from zero");
    }

    @Test
    void halfOpen_aFailedProbe_opensAgainForAnotherOpenDuration() throws Exception {
        var breakers = breakers(CircuitBreakerConfig.defaults());
        openDefault(breakers);
        clock.advance(Duration.ofSeconds(60));
        succeed(breakers, 2);
        assertEquals(State.HALF_OPEN, state(breakers));
        clock.advance(Duration.ofSeconds(1));
        Instant reopened = clock.instant();

        run(breakers, failing());

        assertEquals(State.OPEN, state(breakers));
        var refused = assertRefused(run(breakers, succeeding()));
        assertEquals(reopened.plus(Duration.ofSeconds(60)), refused.retryAt(), "a fresh open duration");
        assertEquals(8, invocations.get());
        assertEquals("a probe failed", transitions.get(transitions.size() - 1).reason());
    }

    @Test
    void halfOpen_admitsAtMostHalfOpenProbesAtOnce_andRefusesTheRest() throws Exception {
        var breakers = breakers(CircuitBreakerConfig.builder().halfOpenProbes(2).successThreshold(2).build());
        openDefault(breakers);
        clock.advance(Duration.ofSeconds(60));
        var entered = new CountDownLatch(2);
        var release = new CountDownLatch(1);
        Call<String> blocked = ctx -> {
            invocations.incrementAndGet();
            entered.countDown();
            if (!release.await(WAIT_SECONDS, TimeUnit.SECONDS)) {
                return CommandResult.failure(new FailureCause.Cancelled("the test never released the probe"));
            }
            return CommandResult.success("probe ok");
        };
        List<CompletableFuture<CommandResult<String>>> probes = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            var probe = new CompletableFuture<CommandResult<String>>();
            probes.add(probe);
            Thread.ofVirtual().start(() -> {
                try {
                    probe.complete(run(breakers, blocked));
                } catch (Throwable t) {
                    probe.completeExceptionally(t);
                }
            });
        }
        try {
            assertTrue(entered.await(WAIT_SECONDS, TimeUnit.SECONDS), "both probes should be admitted");
            assertEquals(State.HALF_OPEN, state(breakers));

            var refused = assertRefused(run(breakers, succeeding()));
            assertEquals("Ask", refused.breaker());
            assertEquals(7, invocations.get(), "the third call did not reach the handler");
        } finally {
            release.countDown();
        }
        for (var probe : probes) {
            assertEquals("probe ok", await(probe).orThrow());
        }
        assertEquals(State.CLOSED, state(breakers));
    }

    @Test
    void halfOpen_aCancelledProbe_freesItsSlot_withoutDecidingAnything() throws Exception {
        var breakers = breakers(CircuitBreakerConfig.builder().halfOpenProbes(1).successThreshold(1).build());
        openDefault(breakers);
        clock.advance(Duration.ofSeconds(60));
        assertThrows(InterruptedException.class, () -> run(breakers, ctx -> {
            invocations.incrementAndGet();
            throw new InterruptedException("cancelled");
        }));
        assertEquals(State.HALF_OPEN, state(breakers));
        assertEquals("ok", run(breakers, succeeding()).orThrow(), "the one probe slot is free again");
        assertEquals(State.CLOSED, state(breakers));
    }

    // ---- the consecutive rule ----

    @Test
    void failuresOlderThanTheWindow_noLongerCount() throws Exception {
        var breakers = breakers(CircuitBreakerConfig.defaults());
        for (int second : new int[] {0, 20, 40, 59}) {
            clock.advance(Duration.between(clock.instant(), T0.plusSeconds(second)));
            run(breakers, failing());
        }
        clock.advance(Duration.ofSeconds(2)); // 61 s: the failure at 0 s is out of the 60 s window
        run(breakers, failing());
        assertEquals(State.CLOSED, state(breakers), "only 4 failures within 60 s");
        assertEquals(4, breaker(breakers).snapshot().consecutiveFailures());
        clock.advance(Duration.ofSeconds(1)); // 62 s: 20, 40, 59, 61, 62
        run(breakers, failing());
        assertEquals(State.OPEN, state(breakers));
    }

    @Test
    void fourFailures_thenAPauseLongerThanTheWindow_thenFourMore_staysClosed() throws Exception {
        var breakers = breakers(CircuitBreakerConfig.defaults());
        fail(breakers, 4);
        clock.advance(Duration.ofSeconds(61));
        fail(breakers, 4);
        assertEquals(State.CLOSED, state(breakers));
        fail(breakers, 1);
        assertEquals(State.OPEN, state(breakers));
    }

    @Test
    void theSnapshot_countsOnlyTheFailuresInsideTheWindow() throws Exception {
        var breakers = breakers(CircuitBreakerConfig.defaults());
        fail(breakers, 4);
        assertEquals(4, breaker(breakers).snapshot().consecutiveFailures());
        clock.advance(Duration.ofSeconds(61));
        assertEquals(0, breaker(breakers).snapshot().consecutiveFailures(),
                "Snapshot.consecutiveFailures is documented as the failures inside the window; all four are older");
    }

    @Test
    void aSuccessWhileClosed_clearsTheConsecutiveCount() throws Exception {
        var breakers = breakers(CircuitBreakerConfig.defaults());
        fail(breakers, 4);
        succeed(breakers, 1);
        assertEquals(0, breaker(breakers).snapshot().consecutiveFailures());
        fail(breakers, 4);
        assertEquals(State.CLOSED, state(breakers), "4, a success, then 4 are not 5 in a row");
        fail(breakers, 1);
        assertEquals(State.OPEN, state(breakers));
    }

    @Test
    void aThresholdOfOne_opensOnTheFirstFailure() throws Exception {
        var breakers = breakers(CircuitBreakerConfig.builder().consecutiveFailures(1, Duration.ofSeconds(1)).build());
        succeed(breakers, 3);
        fail(breakers, 1);
        assertEquals(State.OPEN, state(breakers));
    }

    @Test
    void manyConcurrentFailures_openTheBreakerExactlyOnce() throws Exception {
        var breakers = breakers(CircuitBreakerConfig.builder().consecutiveFailures(3, Duration.ofSeconds(60)).build());
        int threads = 16;
        var start = new CyclicBarrier(threads);
        List<CompletableFuture<Void>> done = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            var finished = new CompletableFuture<Void>();
            done.add(finished);
            Thread.ofPlatform().start(() -> {
                try {
                    start.await(WAIT_SECONDS, TimeUnit.SECONDS);
                    for (int i = 0; i < 50; i++) {
                        run(breakers, failing());
                    }
                    finished.complete(null);
                } catch (Throwable e) {
                    finished.completeExceptionally(e);
                }
            });
        }
        for (var finished : done) {
            await(finished);
        }
        assertEquals(State.OPEN, state(breakers));
        assertEquals(1, transitions.size(), "one CLOSED -> OPEN, whatever the interleaving: " + transitions);
        assertTrue(invocations.get() >= 3 && invocations.get() < threads * 50, "calls after the open were refused: "
                + invocations.get());
    }

    // ---- the rate rules ----

    @Test
    void failureRateOverACountWindow_opensWhenTheLastNCallsFailOftenEnough() throws Exception {
        var breakers = breakers(CircuitBreakerConfig.builder().consecutiveFailures(0, Duration.ofSeconds(60))
                .failureRate(0.5, 4).minimumCalls(4).build());
        succeed(breakers, 4);
        fail(breakers, 1);
        assertEquals(State.CLOSED, state(breakers), "[S S S F] is a quarter");
        assertEquals(0.25, breaker(breakers).snapshot().failureRate(), 1e-9);
        assertEquals(4, breaker(breakers).snapshot().callsInWindow(), "the window holds the last 4 calls");
        fail(breakers, 1);
        assertEquals(State.OPEN, state(breakers), "[S S F F] is half");
        assertTrue(transitions.get(0).reason().startsWith("failure rate"), transitions.get(0).reason());
    }

    @Test
    void failureRate_waitsForMinimumCalls() throws Exception {
        var breakers = breakers(CircuitBreakerConfig.builder().consecutiveFailures(0, Duration.ofSeconds(60))
                .failureRate(0.5, 10).minimumCalls(4).build());
        fail(breakers, 3);
        assertEquals(State.CLOSED, state(breakers), "3 failures of 3 calls, but fewer than 4 calls");
        fail(breakers, 1);
        assertEquals(State.OPEN, state(breakers));
    }

    @Test
    void failureRateOverACountWindowSmallerThanMinimumCalls_canStillOpen_orIsRefusedAtBuild() throws Exception {
        // failureRate(1.0, 5) with the default minimumCalls of 10: a 5-call window never holds 10 calls
        CircuitBreakerConfig config;
        try {
            config = CircuitBreakerConfig.builder().consecutiveFailures(0, Duration.ofSeconds(60)).failureRate(1.0, 5)
                    .build();
        } catch (IllegalArgumentException e) {
            assertTrue(e.getMessage().contains("minimumCalls"), e.getMessage());
            return; // refusing the configuration is a fine answer too
        }
        var breakers = breakers(config);
        fail(breakers, 20);
        assertEquals(State.OPEN, state(breakers),
                "20 failures in a row with a 100% failure-rate rule over 5 calls left the breaker closed");
    }

    @Test
    void failureRateOverATimeWindow_forgetsCallsOlderThanTheWindow() throws Exception {
        var breakers = breakers(CircuitBreakerConfig.builder().consecutiveFailures(0, Duration.ofSeconds(60))
                .failureRateOver(0.5, Duration.ofSeconds(10)).minimumCalls(4).build());
        succeed(breakers, 3);
        clock.advance(Duration.ofSeconds(11)); // the successes leave the window
        fail(breakers, 3);
        assertEquals(State.CLOSED, state(breakers), "3 calls in the window, fewer than the minimum 4");
        assertEquals(3, breaker(breakers).snapshot().callsInWindow());
        fail(breakers, 1);
        assertEquals(State.OPEN, state(breakers));
    }

    @Test
    void failureRateOverATimeWindow_countsTheCallsInsideIt() throws Exception {
        var breakers = breakers(CircuitBreakerConfig.builder().consecutiveFailures(0, Duration.ofSeconds(60))
                .failureRateOver(0.5, Duration.ofSeconds(10)).minimumCalls(4).build());
        succeed(breakers, 3);
        clock.advance(Duration.ofSeconds(5));
        fail(breakers, 2);
        assertEquals(State.CLOSED, state(breakers), "2 of 5");
        fail(breakers, 1);
        assertEquals(State.OPEN, state(breakers), "3 of 6: the successes 5 s ago still count");
    }

    @Test
    void slowCallRate_opensTheBreaker_evenThoughEveryCallSucceeded() throws Exception {
        var breakers = breakers(CircuitBreakerConfig.builder().slowCalls(Duration.ofSeconds(2), 0.5).minimumCalls(4)
                .build());
        assertEquals("ok", run(breakers, succeeding()).orThrow());
        assertEquals("slow ok", run(breakers, taking(Duration.ofSeconds(3))).orThrow());
        assertEquals("slow ok", run(breakers, taking(Duration.ofMillis(1_999))).orThrow());
        assertEquals(State.CLOSED, state(breakers), "3 calls, fewer than the minimum");
        assertEquals(1.0 / 3, breaker(breakers).snapshot().slowCallRate(), 1e-9, "1999 ms is not slow");
        run(breakers, taking(Duration.ofSeconds(2))); // exactly the slow duration counts as slow
        assertEquals(State.OPEN, state(breakers), "2 slow of 4");
        assertTrue(transitions.get(0).reason().startsWith("slow-call rate"), transitions.get(0).reason());
    }

    @Test
    void halfOpen_aSlowProbe_opensAgain() throws Exception {
        var breakers = breakers(CircuitBreakerConfig.builder().slowCalls(Duration.ofSeconds(2), 0.5).minimumCalls(2)
                .build());
        run(breakers, taking(Duration.ofSeconds(3)));
        run(breakers, taking(Duration.ofSeconds(3)));
        assertEquals(State.OPEN, state(breakers));
        clock.advance(Duration.ofSeconds(60));
        assertEquals("slow ok", run(breakers, taking(Duration.ofSeconds(5))).orThrow());
        assertEquals(State.OPEN, state(breakers));
        assertEquals("a probe was slow", transitions.get(transitions.size() - 1).reason());
    }

    // ---- ignored causes ----

    @Test
    void ignoredCauses_countNeitherAsFailureNorAsSuccess() throws Exception {
        var breakers = breakers(CircuitBreakerConfig.defaults());
        fail(breakers, 4);
        List<FailureCause> ignored = List.of(new FailureCause.Cancelled("user pressed stop"),
                new FailureCause.Rejected("bus closed"), new FailureCause.BulkheadFull("llm", 4),
                new FailureCause.RateLimited("openai", Duration.ofSeconds(1)),
                new FailureCause.CircuitOpen("other", T0), new FailureCause.NoHandler(Ask.class, null));
        for (FailureCause cause : ignored) {
            for (int i = 0; i < 5; i++) {
                var failure = assertInstanceOf(CommandResult.Failure.class, run(breakers, failing(cause)));
                assertEquals(cause, failure.cause());
            }
            assertEquals(State.CLOSED, state(breakers), cause + " opened the breaker");
            assertEquals(4, breaker(breakers).snapshot().consecutiveFailures(), cause + " changed the count");
        }
        fail(breakers, 1);
        assertEquals(State.OPEN, state(breakers), "the fifth counted failure opens it");
    }

    @Test
    void ignoredCauses_stayOutOfTheRateWindow() throws Exception {
        var breakers = breakers(CircuitBreakerConfig.builder().failureRate(0.5, 10).minimumCalls(2).build());
        for (int i = 0; i < 10; i++) {
            run(breakers, failing(new FailureCause.Cancelled("stop")));
        }
        assertEquals(0, breaker(breakers).snapshot().callsInWindow());
        assertEquals(State.CLOSED, state(breakers));
    }

    @Test
    void recordOn_choosesWhichFailuresCount() throws Exception {
        var breakers = breakers(CircuitBreakerConfig.builder().consecutiveFailures(2, Duration.ofSeconds(60))
                .recordOn(cause -> cause instanceof FailureCause.Rejected).build());
        run(breakers, failing()); // HandlerThrew is ignored now
        run(breakers, failing());
        assertEquals(State.CLOSED, state(breakers));
        run(breakers, failing(new FailureCause.Rejected("quota")));
        run(breakers, failing(new FailureCause.Rejected("quota")));
        assertEquals(State.OPEN, state(breakers));
    }

    // ---- manual states ----

    @Test
    void disabled_admitsEveryCall_andRecordsNothing_untilReset() throws Exception {
        var breakers = breakers(CircuitBreakerConfig.defaults());
        succeed(breakers, 1);
        breaker(breakers).disable();
        assertEquals(State.DISABLED, state(breakers));
        fail(breakers, 20);
        assertEquals(21, invocations.get(), "every call ran");
        assertEquals(State.DISABLED, state(breakers));
        assertEquals(0, breaker(breakers).snapshot().consecutiveFailures(), "nothing recorded");
        breaker(breakers).reset();
        fail(breakers, 4);
        assertEquals(State.CLOSED, state(breakers), "the disabled failures were not counted");
    }

    @Test
    void disablingAnOpenBreaker_admitsCallsAtOnce() throws Exception {
        var breakers = breakers(CircuitBreakerConfig.defaults());
        openDefault(breakers);
        breaker(breakers).disable();
        assertEquals("ok", run(breakers, succeeding()).orThrow());
        assertEquals(6, invocations.get());
    }

    @Test
    void forcedOpen_refusesEveryCall_withRetryAtInstantMax_untilReset() throws Exception {
        var breakers = breakers(CircuitBreakerConfig.defaults());
        succeed(breakers, 1);
        breaker(breakers).forceOpen();
        for (int i = 0; i < 3; i++) {
            var refused = assertRefused(run(breakers, succeeding()));
            assertEquals(Instant.MAX, refused.retryAt());
            assertEquals("Ask", refused.breaker());
            clock.advance(Duration.ofDays(1));
        }
        assertEquals(1, invocations.get(), "no refused call ran");
        assertEquals(State.FORCED_OPEN, state(breakers), "no open duration ends a forced open");
        assertEquals(Instant.MAX, breaker(breakers).snapshot().retryAt());
        breaker(breakers).reset();
        assertEquals("ok", run(breakers, succeeding()).orThrow());
    }

    @Test
    void metricsOnly_recordsOutcomes_butNeverOpens() throws Exception {
        var breakers = breakers(CircuitBreakerConfig.builder().failureRate(0.5, 10).minimumCalls(2).build());
        succeed(breakers, 1);
        breaker(breakers).metricsOnly();
        fail(breakers, 30);
        assertEquals(31, invocations.get());
        assertEquals(State.METRICS_ONLY, state(breakers));
        var snapshot = breaker(breakers).snapshot();
        assertEquals(10, snapshot.callsInWindow(), "recorded into the window");
        assertEquals(1.0, snapshot.failureRate(), 1e-9);
        assertTrue(snapshot.consecutiveFailures() >= 5, "recorded the failures: " + snapshot);
        breaker(breakers).reset();
        assertEquals(State.CLOSED, state(breakers));
        assertEquals(0, breaker(breakers).snapshot().callsInWindow(), "reset forgets");
    }

    @Test
    void reset_closesAnOpenBreaker_andForgetsItsCounts() throws Exception {
        var breakers = breakers(CircuitBreakerConfig.defaults());
        openDefault(breakers);
        breaker(breakers).reset();
        assertEquals(State.CLOSED, state(breakers));
        assertEquals("reset by hand", transitions.get(transitions.size() - 1).reason());
        assertNull(breaker(breakers).snapshot().retryAt());
        fail(breakers, 4);
        assertEquals(State.CLOSED, state(breakers));
        fail(breakers, 1);
        assertEquals(State.OPEN, state(breakers));
    }

    // ---- transitions ----

    @Test
    void transitions_areReportedInOrder_withTheirTimesAndReasons() throws Exception {
        var breakers = breakers(CircuitBreakerConfig.builder().consecutiveFailures(2, Duration.ofSeconds(60))
                .openDuration(Duration.ofSeconds(30)).successThreshold(1).build());
        fail(breakers, 2);
        Instant opened = clock.instant();
        clock.advance(Duration.ofSeconds(30));
        Instant probed = clock.instant();
        fail(breakers, 1);
        clock.advance(Duration.ofSeconds(45));
        Instant probedAgain = clock.instant();
        succeed(breakers, 1);
        breaker(breakers).forceOpen();
        breaker(breakers).reset();

        assertEquals(List.of(
                new Transition("Ask", State.CLOSED, State.OPEN, opened, "2 consecutive failures within PT1M"),
                new Transition("Ask", State.OPEN, State.HALF_OPEN, probed, "open for PT30S"),
                new Transition("Ask", State.HALF_OPEN, State.OPEN, probed, "a probe failed"),
                new Transition("Ask", State.OPEN, State.HALF_OPEN, probedAgain, "open for PT30S"),
                new Transition("Ask", State.HALF_OPEN, State.CLOSED, probedAgain, "1 probes succeeded"),
                new Transition("Ask", State.CLOSED, State.FORCED_OPEN, probedAgain, "forced open by hand"),
                new Transition("Ask", State.FORCED_OPEN, State.CLOSED, probedAgain, "reset by hand")), transitions);
        assertEquals(7, breaker(breakers).snapshot().transitions());
    }

    @Test
    void aBreakersOwnListener_seesItsTransitions_untilRemoved() throws Exception {
        var breakers = breakers(CircuitBreakerConfig.builder().consecutiveFailures(1, Duration.ofSeconds(60)).build());
        succeed(breakers, 1);
        List<Transition> own = new CopyOnWriteArrayList<>();
        Runnable remove = breaker(breakers).onTransition(own::add);
        fail(breakers, 1);
        assertEquals(1, own.size());
        remove.run();
        breaker(breakers).reset();
        assertEquals(1, own.size(), "removed");
        assertEquals(2, transitions.size(), "the strategy's listener still sees every transition");
    }

    @Test
    void aThrowingListener_neitherFailsTheCall_norStopsTheOtherListeners() throws Exception {
        var breakers = CircuitBreakers.builder(CircuitBreakerConfig.builder()
                .consecutiveFailures(1, Duration.ofSeconds(60)).build()).clock(clock).build();
        breakers.onTransition(t -> {
            throw new IllegalStateException("a broken dashboard");
        });
        breakers.onTransition(transitions::add);

        var failure = assertInstanceOf(CommandResult.Failure.class, run(breakers, failing()));

        assertInstanceOf(FailureCause.HandlerThrew.class, failure.cause(), "the call's own result");
        assertEquals(State.OPEN, state(breakers));
        assertEquals(1, transitions.size(), "the second listener of the CircuitBreakers missed the transition");
    }

    // ---- keys ----

    @Test
    void byDefault_eachCommandTypeHasItsOwnBreaker() throws Exception {
        var breakers = breakers(CircuitBreakerConfig.defaults());
        fail(breakers, 5);
        assertRefused(run(breakers, succeeding()));
        assertEquals("ok", run(breakers, new Search("q"), context, succeeding()).orThrow(), "Search is not Ask");
        assertEquals(State.OPEN, breakers.breaker(Ask.class).orElseThrow().state());
        assertEquals(State.CLOSED, breakers.breaker(Search.class).orElseThrow().state());
        assertEquals(Set.of("Ask", "Search"), breakers.breakers().keySet());
    }

    @Test
    void keyedByAHeader_eachProviderHasItsOwnBreaker() throws Exception {
        var breakers = breakers(CircuitBreakers.builder(CircuitBreakerConfig.defaults()).name("llm")
                .keyBy(KeyBy.header("provider")));
        MessageContext openai = context.withHeader("provider", "openai");
        MessageContext anthropic = context.withHeader("provider", "anthropic");
        for (int i = 0; i < 5; i++) {
            run(breakers, ASK, openai, failing());
        }
        var refused = assertRefused(run(breakers, ASK, openai, succeeding()));
        assertEquals("llm/openai", refused.breaker());
        assertEquals("ok", run(breakers, ASK, anthropic, succeeding()).orThrow());
        assertEquals("ok", run(breakers, ASK, context, succeeding()).orThrow(), "no header: its own key");
        assertEquals(State.OPEN, breakers.breaker("openai").orElseThrow().state());
        assertEquals(State.CLOSED, breakers.breaker("anthropic").orElseThrow().state());
        assertEquals(State.CLOSED, breakers.breaker(KeyBy.NO_VALUE).orElseThrow().state());
        assertEquals(Set.of("llm/openai", "llm/anthropic", "llm/(none)"), breakers.breakers().keySet());
    }

    @Test
    void pastMaxKeys_aNewKeyIsRejected_namingTheBound_withoutReachingTheHandler() throws Exception {
        var breakers = breakers(CircuitBreakers.builder(CircuitBreakerConfig.defaults()).keyBy(KeyBy.header("provider"))
                .maxKeys(2));
        run(breakers, ASK, context.withHeader("provider", "openai"), succeeding());
        run(breakers, ASK, context.withHeader("provider", "anthropic"), succeeding());

        var failure = assertInstanceOf(CommandResult.Failure.class,
                run(breakers, ASK, context.withHeader("provider", "mistral"), succeeding()));

        var rejected = assertInstanceOf(FailureCause.Rejected.class, failure.cause());
        assertTrue(rejected.reason().contains("2 keys"), rejected.reason());
        assertTrue(rejected.reason().contains("mistral"), rejected.reason());
        assertEquals(2, invocations.get());
        assertEquals("ok", run(breakers, ASK, context.withHeader("provider", "openai"), succeeding()).orThrow(),
                "known keys still run");
        assertEquals(2, breakers.breakers().size());
    }

    @Test
    void inAPipelinesWrappedCall_theBreakerGuardsEveryRun() throws Exception {
        var breakers = breakers(CircuitBreakerConfig.builder().consecutiveFailures(2, Duration.ofSeconds(60)).build());
        Call<String> guarded = Pipeline.builder().clock(clock).circuitBreaker(breakers).build()
                .wrap(ASK, null, failing());
        guarded.call(context);
        guarded.call(context);
        assertRefused(guarded.call(context));
        assertEquals(2, invocations.get());
    }

    @Test
    void insideARetry_theBreakerCountsEachAttempt_andTheRetryStopsAtCircuitOpen() throws Exception {
        var breakers = breakers(CircuitBreakerConfig.builder().consecutiveFailures(3, Duration.ofSeconds(60)).build());
        var retry = RetryPolicy.builder().maxAttempts(10).initialDelay(Duration.ofMillis(10)).jitter(false).build();
        Call<String> guarded = Pipeline.builder().clock(clock).retry(retry).circuitBreaker(breakers).build()
                .wrap(ASK, null, failing());

        var refused = assertRefused(guarded.call(context)); // TestContext.sleep advances the clock

        assertEquals(3, invocations.get(), "3 attempts opened the breaker; the 4th was refused and not retried");
        assertEquals(State.OPEN, state(breakers));
        assertEquals("Ask", refused.breaker());
    }

    // ---- configuration ----

    @Test
    void theDefaults_areThePythonBuses() {
        var defaults = CircuitBreakerConfig.defaults();
        assertEquals(5, defaults.consecutiveThreshold());
        assertEquals(Duration.ofSeconds(60), defaults.consecutiveWindow());
        assertEquals(Duration.ofSeconds(60), defaults.openDuration());
        assertEquals(3, defaults.successThreshold());
        assertEquals(3, defaults.halfOpenProbes());
        assertEquals(0, defaults.failureRateThreshold());
        assertTrue(defaults.slowCallDuration().isEmpty());
        assertTrue(defaults.records(threw()));
        assertTrue(defaults.records(new FailureCause.TimedOut(Duration.ofSeconds(1))));
        assertFalse(defaults.records(new FailureCause.Cancelled("stop")));
        assertFalse(defaults.records(new FailureCause.Rejected("full")));
        assertFalse(defaults.records(new FailureCause.CircuitOpen("other", T0)));
    }

    @Test
    void badConfigurations_areRejected_namingTheFieldAndTheValue() {
        assertRejects("consecutive failure threshold", "-1",
                () -> CircuitBreakerConfig.builder().consecutiveFailures(-1, Duration.ofSeconds(60)));
        assertRejects("consecutive failure window", "PT0S",
                () -> CircuitBreakerConfig.builder().consecutiveFailures(5, Duration.ZERO));
        assertRejects("failure rate threshold", "0.0", () -> CircuitBreakerConfig.builder().failureRate(0.0, 10));
        assertRejects("failure rate threshold", "1.5", () -> CircuitBreakerConfig.builder().failureRate(1.5, 10));
        assertRejects("failure rate threshold", "NaN", () -> CircuitBreakerConfig.builder().failureRate(Double.NaN, 10));
        assertRejects("failure rate window", "0", () -> CircuitBreakerConfig.builder().failureRate(0.5, 0));
        assertRejects("failure rate window", "PT0.5S",
                () -> CircuitBreakerConfig.builder().failureRateOver(0.5, Duration.ofMillis(500)));
        assertRejects("failure rate window", "PT2H",
                () -> CircuitBreakerConfig.builder().failureRateOver(0.5, Duration.ofHours(2)));
        assertRejects("slow call duration", "PT-1S",
                () -> CircuitBreakerConfig.builder().slowCalls(Duration.ofSeconds(-1), 0.5));
        assertRejects("slow call rate threshold", "0.0",
                () -> CircuitBreakerConfig.builder().slowCalls(Duration.ofSeconds(1), 0.0));
        assertRejects("rate window", "PT0S", () -> CircuitBreakerConfig.builder().timeWindow(Duration.ZERO));
        assertRejects("minimumCalls", "0", () -> CircuitBreakerConfig.builder().minimumCalls(0));
        assertRejects("openDuration", "PT-0.005S",
                () -> CircuitBreakerConfig.builder().openDuration(Duration.ofMillis(-5)));
        assertRejects("successThreshold", "0", () -> CircuitBreakerConfig.builder().successThreshold(0));
        assertRejects("halfOpenProbes", "-2", () -> CircuitBreakerConfig.builder().halfOpenProbes(-2));
        var noRule = assertThrows(IllegalArgumentException.class,
                () -> CircuitBreakerConfig.builder().consecutiveFailures(0, Duration.ofSeconds(60)).build());
        assertTrue(noRule.getMessage().contains("all are off"), noRule.getMessage());
        assertRejects("maxKeys", "0", () -> CircuitBreakers.builder(CircuitBreakerConfig.defaults()).maxKeys(0));
        assertRejects("name", "' '", () -> CircuitBreakers.builder(CircuitBreakerConfig.defaults()).name(" "));
        var nullDuration = assertThrows(NullPointerException.class,
                () -> CircuitBreakerConfig.builder().openDuration(null));
        assertEquals("openDuration", nullDuration.getMessage());
    }
}
