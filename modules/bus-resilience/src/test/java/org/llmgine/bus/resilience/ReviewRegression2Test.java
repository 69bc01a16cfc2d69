package org.llmgine.bus.resilience;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.llmgine.bus.MessageBus;
import org.llmgine.bus.Session;
import org.llmgine.bus.handler.HandlerInfo;
import org.llmgine.bus.handler.HandlerOptions;
import org.llmgine.bus.handler.MessageContext;
import org.llmgine.bus.message.Command;
import org.llmgine.bus.message.CommandResult;
import org.llmgine.bus.message.Event;
import org.llmgine.bus.message.FailureCause;
import org.llmgine.bus.message.Message;
import org.llmgine.bus.resilience.CircuitBreaker.State;

/**
 * Regression tests for the review's defects in circuit breakers, error statistics, durations and
 * rate limiters: each failed on the code before the fixes. The other half is
 * {@link ReviewRegressionTest}.
 */
final class ReviewRegression2Test {

    private static final long WAIT_SECONDS = 10;
    private static final Duration WAIT = Duration.ofSeconds(WAIT_SECONDS);
    private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
    private static final Cmd CMD = new Cmd("x");
    private static final FailureCause DOWN = new FailureCause.HandlerThrew(new IllegalStateException("model 503"));

    record Cmd(String s) implements Command<String> {}

    record Ev(String s) implements Event {}

    private final ManualClock clock = new ManualClock(T0);
    private volatile Thread runThread;

    private static boolean isProbe(int admission) {
        return (admission & 3) == CircuitBreaker.PROBE;
    }

    /** Opens {@code breaker} (a consecutive threshold of 1) with one failed call. */
    private static void open(CircuitBreaker breaker) {
        breaker.record(breaker.admit(), DOWN, 0);
        assertEquals(State.OPEN, breaker.state());
    }

    // 7. a probe belongs to its half-open period: a stale one neither closes the breaker nor frees a slot
    @Test
    void aProbeOfAnEndedHalfOpenPeriod_neitherClosesTheBreaker_norFreesASlot() {
        var breaker = CircuitBreaker.of("b", CircuitBreakerConfig.builder().consecutiveFailures(1, Duration.ofSeconds(60))
                .openDuration(Duration.ofSeconds(10)).halfOpenProbes(2).successThreshold(1).build(), clock);
        open(breaker);
        clock.advance(Duration.ofSeconds(11));
        int a = breaker.admit(); // probe A: held, it ends later
        int b = breaker.admit();
        assertTrue(isProbe(a) && isProbe(b), "two probes admitted: " + a + ", " + b);
        assertEquals(State.HALF_OPEN, breaker.state());
        breaker.record(b, DOWN, 0); // probe B fails
        assertEquals(State.OPEN, breaker.state());
        clock.advance(Duration.ofSeconds(11));

        int c = breaker.admit(); // a new half-open period: its own two probes
        int d = breaker.admit();
        assertEquals(State.HALF_OPEN, breaker.state());
        assertTrue(isProbe(c) && isProbe(d), "the stale probe A holds no slot of the new period: " + c + ", " + d);
        assertEquals(CircuitBreaker.REFUSED, breaker.admit(), "only halfOpenProbes (2) at once");

        breaker.record(a, null, 0); // A, of the ended period, succeeds
        assertEquals(State.HALF_OPEN, breaker.state(), "a probe of an ended period does not close the breaker");
        assertEquals(CircuitBreaker.REFUSED, breaker.admit(), "nor does its end free a slot");

        breaker.record(c, null, 0); // a fresh probe decides
        assertEquals(State.CLOSED, breaker.state());
        breaker.record(d, DOWN, 0); // D's period ended when the breaker closed: ignored
        assertEquals(State.CLOSED, breaker.state());
    }

    @Test
    void aProbeInFlightAcrossAReset_doesNotLetMoreThanHalfOpenProbesRunLater() {
        var breaker = CircuitBreaker.of("b", CircuitBreakerConfig.builder().consecutiveFailures(1, Duration.ofSeconds(60))
                .openDuration(Duration.ofSeconds(10)).halfOpenProbes(2).successThreshold(5).build(), clock);
        open(breaker);
        clock.advance(Duration.ofSeconds(11));
        int stale = breaker.admit();
        assertTrue(isProbe(stale));
        breaker.reset();
        open(breaker);
        clock.advance(Duration.ofSeconds(11));
        int p2 = breaker.admit();
        int p3 = breaker.admit();
        assertTrue(isProbe(p2) && isProbe(p3), p2 + ", " + p3);

        breaker.record(stale, null, 0); // the probe from before the reset ends

        assertEquals(CircuitBreaker.REFUSED, breaker.admit(), "still 2 probes in flight, the most allowed");
        assertEquals(State.HALF_OPEN, breaker.state());
    }

    // 8. error statistics are per event type and handler name, not per session's registration
    @Test
    void theSameHandlerInFiftySessions_hasOneStatisticsEntry() throws Exception {
        var policy = ResiliencePolicy.builder().events(Ev.class, "audit", Pipeline.of()).build();
        var handled = new AtomicInteger();
        try (MessageBus bus = policy.installOn(MessageBus.builder().name("sessions")).start()) {
            for (int i = 0; i < 50; i++) {
                try (Session session = bus.openSession("s" + i)) {
                    session.subscribe(Ev.class, HandlerOptions.named("audit"), e -> handled.incrementAndGet());
                    session.publishAndWait(new Ev("e" + i), WAIT);
                }
            }
        }
        assertEquals(50, handled.get());
        var key = new ErrorStats.Key("Ev", "audit", null);
        List<ErrorStats.Snapshot> all = policy.errorStats().snapshot();
        assertEquals(1, all.stream().filter(s -> s.key().equals(key)).count(), "one entry, not one per session");
        assertEquals(1, all.size(), "entries for " + all.stream().map(ErrorStats.Snapshot::key).distinct().toList());
        assertEquals(50, policy.errorStats().of(key).executions());
    }

    // 9. a lone CircuitBreaker in a pipeline is the policy's: listed and its transitions published
    @Test
    void aLoneCircuitBreakerInAPipeline_isListed_andItsTransitionsArePublished() throws Exception {
        var breaker = CircuitBreaker.of("provider", CircuitBreakerConfig.builder()
                .consecutiveFailures(1, Duration.ofSeconds(60)).build(), clock);
        var policy = ResiliencePolicy.builder().clock(clock).commands(Cmd.class, Pipeline.of(breaker)).build();
        BlockingQueue<CircuitBreakerTransitioned> published = new LinkedBlockingQueue<>();
        try (MessageBus bus = policy.installOn(MessageBus.builder().name("lone").clock(clock)).start()) {
            assertEquals(Map.of("provider", breaker), policy.circuitBreakers());
            bus.subscribe(CircuitBreakerTransitioned.class, published::add);
            bus.registerCommand(Cmd.class, (c, ctx) -> {
                throw new IllegalStateException("provider down");
            });

            assertInstanceOf(CommandResult.Failure.class, bus.execute(CMD, WAIT));

            CircuitBreakerTransitioned event = published.poll(WAIT_SECONDS, TimeUnit.SECONDS);
            assertNotNull(event, "no CircuitBreakerTransitioned was published");
            assertEquals(new CircuitBreaker.Transition("provider", State.CLOSED, State.OPEN, T0,
                    "1 consecutive failures within PT1M"), event.transition());
            assertSame(breaker, policy.circuitBreakers().get("provider"));
        }
    }

    // 10. durations too long for milliseconds saturate ("forever") instead of overflowing
    @Test
    void hugeDurations_saturate() throws Exception {
        Timeout huge = Timeout.of(Duration.ofMillis(Long.MAX_VALUE), clock);
        CommandResult<String> quick = huge.decorate(CMD, null, TestContext.fixed(), c -> {
            clock.advance(Duration.ofDays(365_000)); // wakes the watchdog: a thousand years is not forever
            // a short window in which a deadline that overflowed (due at once) would interrupt the call
            new CountDownLatch(1).await(200, TimeUnit.MILLISECONDS);
            return CommandResult.success("quick");
        });
        assertEquals(CommandResult.success("quick"), quick, "not timed out at once by an overflowed deadline");
        assertEquals(0, huge.armedCount());

        Timeout forever = Timeout.of(ChronoUnit.FOREVER.getDuration(), clock);
        assertEquals(CommandResult.success("through"),
                forever.decorate(CMD, null, TestContext.fixed(), c -> CommandResult.success("through")));
        assertEquals(ChronoUnit.FOREVER.getDuration(), forever.duration());

        var breaker = CircuitBreaker.of("forever", CircuitBreakerConfig.builder()
                .consecutiveFailures(1, Duration.ofSeconds(60)).openDuration(Duration.ofSeconds(Long.MAX_VALUE)).build(),
                clock);
        var calls = new AtomicInteger();
        breaker.decorate(CMD, null, TestContext.fixed(), c -> {
            calls.incrementAndGet();
            return CommandResult.failure(DOWN);
        });
        assertEquals(State.OPEN, breaker.state());
        clock.advance(Duration.ofDays(365_000));
        var refused = assertInstanceOf(CommandResult.Failure.class, breaker.decorate(CMD, null,
                TestContext.fixed(), c -> {
                    calls.incrementAndGet();
                    return CommandResult.success("never");
                }));
        var open = assertInstanceOf(FailureCause.CircuitOpen.class, refused.cause());
        assertEquals(Instant.ofEpochMilli(Long.MAX_VALUE), open.retryAt(), "the retry time saturates");
        assertEquals(1, calls.get(), "the refused call did not run");
        assertEquals(Instant.ofEpochMilli(Long.MAX_VALUE), breaker.snapshot().retryAt());

        Duration aLongWait = Duration.ofSeconds(Long.MAX_VALUE);
        Bulkheads bulkheads = Bulkheads.builder(1).maxWait(aLongWait).clock(clock).build();
        assertEquals(CommandResult.success("b"),
                bulkheads.decorate(CMD, null, TestContext.fixed(), c -> CommandResult.success("b")));
        RateLimiters limiters = RateLimiters.builder(1, Duration.ofSeconds(1)).maxWait(aLongWait).clock(clock).build();
        assertEquals(CommandResult.success("r"),
                limiters.decorate(CMD, null, TestContext.fixed(), c -> CommandResult.success("r")));
    }

    // 11. a cancelled wait for a rate limiter's token gives the reserved token back
    @Test
    void aCancelledWaitForAToken_givesTheReservationBack() throws Exception {
        var limiters = RateLimiters.builder(1, Duration.ofSeconds(10)).maxWait(Duration.ofMinutes(1)).clock(clock)
                .build();
        Decorator noteThread = new Decorator() {
            @Override
            public <R> CommandResult<R> decorate(Message message, HandlerInfo handler, MessageContext context,
                    Call<R> next) throws InterruptedException {
                runThread = Thread.currentThread();
                return next.call(context);
            }
        };
        var policy = ResiliencePolicy.builder().clock(clock).commands(Cmd.class, Pipeline.of(noteThread, limiters))
                .build();
        var calls = new AtomicInteger();
        try (MessageBus bus = policy.installOn(MessageBus.builder().name("quota").clock(clock)).start()) {
            bus.registerCommand(Cmd.class, (c, ctx) -> "call " + calls.incrementAndGet());
            assertEquals("call 1", bus.execute(CMD, WAIT).orThrow()); // takes the only token
            RateLimiter limiter = limiters.limiters().get("Cmd");
            double before = limiter.snapshot().tokens();

            var waiting = bus.executeAsync(CMD);
            ClockDriver.awaitTrue("the second call to reserve the next token",
                    () -> limiter.snapshot().tokens() < before - 0.5);
            ClockDriver.awaitParked("the second call to wait for its token", () -> runThread);
            assertTrue(waiting.cancel("user pressed stop"));
            assertEquals(CommandResult.failure(new FailureCause.Cancelled("user pressed stop")),
                    waiting.result().get(WAIT_SECONDS, TimeUnit.SECONDS));
            assertTrue(bus.awaitIdle(WAIT), "the cancelled wait ended");

            assertEquals(before, limiter.snapshot().tokens(), 1e-6,
                    "the reserved token came back: a later caller does not wait for a call that never ran");
            assertEquals(1, calls.get());
        }
    }

    // 12. a time window stays consistent when the clock steps back
    @Test
    void aTimeWindow_countsOnlyTheCallsInIt_whenTheClockStepsBack() throws Exception {
        var breaker = CircuitBreaker.of("w", CircuitBreakerConfig.builder()
                .failureRateOver(0.5, Duration.ofSeconds(10)).minimumCalls(1).build(), clock);
        Call<String> ok = c -> CommandResult.success("ok");
        for (int i = 0; i < 10; i++) {
            breaker.decorate(CMD, null, TestContext.fixed(), ok);
        }
        assertEquals(10, breaker.snapshot().callsInWindow());

        clock.set(T0.minusSeconds(10)); // the wall clock steps back 10 s: the same bucket of the ring
        for (int i = 0; i < 3; i++) {
            breaker.decorate(CMD, null, TestContext.fixed(), ok);
        }
        assertEquals(3, breaker.snapshot().callsInWindow(), "the 10 calls \"in the future\" left the window");

        clock.set(T0); // and forward again
        for (int i = 0; i < 2; i++) {
            breaker.decorate(CMD, null, TestContext.fixed(), ok);
        }
        assertEquals(2, breaker.snapshot().callsInWindow(), "the 3 calls of 10 s ago left the window");

        clock.advance(Duration.ofHours(1));
        assertEquals(0, breaker.snapshot().callsInWindow(), "nothing is left over an hour later");
        breaker.decorate(CMD, null, TestContext.fixed(), c -> CommandResult.failure(DOWN));
        assertEquals(State.OPEN, breaker.state(), "1 failure of 1 call is a rate of 1, not diluted by lost calls");
    }

    // 13. a config builder can be reused: build does not change it
    @Test
    void aConfigBuilder_buildsTheSameDefaultsTheSecondTime() {
        var builder = CircuitBreakerConfig.builder();
        CircuitBreakerConfig small = builder.failureRate(0.5, 5).build();
        assertEquals(5, small.minimumCalls(), "lowered to the window of 5 calls");

        CircuitBreakerConfig large = builder.failureRate(0.5, 100).build();

        assertEquals(10, large.minimumCalls(), "the default, not the 5 of the first build");
        assertEquals(100, large.windowSize());
        assertEquals(5, small.minimumCalls(), "the first config is unchanged");
    }
}
