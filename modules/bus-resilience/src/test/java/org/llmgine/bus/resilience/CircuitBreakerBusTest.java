package org.llmgine.bus.resilience;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.UnaryOperator;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.llmgine.bus.CommandHandle;
import org.llmgine.bus.DeliveryOutcome;
import org.llmgine.bus.MessageBus;
import org.llmgine.bus.handler.CommandContext;
import org.llmgine.bus.handler.HandlerOptions;
import org.llmgine.bus.message.Command;
import org.llmgine.bus.message.CommandResult;
import org.llmgine.bus.message.Event;
import org.llmgine.bus.message.FailureCause;
import org.llmgine.bus.middleware.CommandChain;
import org.llmgine.bus.middleware.CommandMiddleware;
import org.llmgine.bus.resilience.CircuitBreaker.State;

/**
 * Circuit breakers through a real bus, on an injected clock: a failing handler opens its breaker
 * (the Python bus's breaker never did, through the bus), a retry inside stops at the open circuit,
 * failure results count, and transitions are published as lifecycle events.
 */
final class CircuitBreakerBusTest {

    private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
    private static final long WAIT_SECONDS = 10;

    record AskModel(String prompt) implements Command<String> {}

    record ToolCalled(String tool) implements Event {}

    private final ManualClock clock = new ManualClock(T0);
    /** How many times the handler ran. */
    private final AtomicInteger handled = new AtomicInteger();
    /** Whether the handler throws; it answers otherwise. */
    private final AtomicBoolean failing = new AtomicBoolean(true);
    private final BlockingQueue<CircuitBreakerTransitioned> published = new LinkedBlockingQueue<>();
    /** The command's own thread (every attempt runs on it); the driver moves the clock only while it waits. */
    private volatile @Nullable Thread runThread;
    private @Nullable ResiliencePolicy policy;

    private static CircuitBreakerConfig threshold(int failures) {
        return CircuitBreakerConfig.builder().consecutiveFailures(failures, Duration.ofSeconds(60)).successThreshold(1)
                .build();
    }

    private CircuitBreakers breakers(CircuitBreakerConfig config) {
        return CircuitBreakers.builder(config).clock(clock).build();
    }

    private MessageBus bus(Pipeline pipeline) {
        return bus(pipeline, UnaryOperator.identity());
    }

    /** A bus whose AskModel commands run through {@code pipeline}; {@code inside} adds middleware inside the policy. */
    private MessageBus bus(Pipeline pipeline, UnaryOperator<MessageBus.Builder> inside) {
        var resilience = ResiliencePolicy.builder().clock(clock).commands(AskModel.class, pipeline).build();
        policy = resilience;
        var bus = inside.apply(resilience.installOn(MessageBus.builder().name("breaking").clock(clock))).start();
        bus.registerCommand(AskModel.class, (cmd, ctx) -> {
            runThread = Thread.currentThread();
            int call = handled.incrementAndGet();
            if (failing.get()) {
                throw new IllegalStateException("model 503 on call " + call);
            }
            return "answer to " + cmd.prompt();
        });
        return bus;
    }

    private CircuitBreaker breaker() {
        ResiliencePolicy p = policy;
        assertNotNull(p, "no policy");
        CircuitBreaker breaker = p.circuitBreakers().get("AskModel");
        assertNotNull(breaker, "the policy shows no AskModel breaker: " + p.circuitBreakers());
        return breaker;
    }

    private static FailureCause failureOf(CommandResult<?> result) {
        return assertInstanceOf(CommandResult.Failure.class, result, "expected a failure").cause();
    }

    /**
     * Advances the clock a millisecond at a time, only while the command's thread waits (in its
     * backoff), until the handle is done; the whole drive has a deadline.
     */
    private CommandResult<String> drive(CommandHandle<String> handle) throws Exception {
        ClockDriver.driveUntil(clock, Duration.ofMillis(1), () -> runThread, handle::isDone, "the command's end");
        return handle.result().get(WAIT_SECONDS, TimeUnit.SECONDS);
    }

    /** Executes an AskModel and waits for its result, with a deadline in real time. */
    private static CommandResult<String> execute(MessageBus bus, String prompt) throws Exception {
        return bus.executeAsync(new AskModel(prompt)).result().get(WAIT_SECONDS, TimeUnit.SECONDS);
    }

    private CircuitBreakerTransitioned nextTransition() throws InterruptedException {
        CircuitBreakerTransitioned event = published.poll(WAIT_SECONDS, TimeUnit.SECONDS);
        assertNotNull(event, "no CircuitBreakerTransitioned arrived");
        return event;
    }

    @Test
    void aThrowingHandler_opensTheDefaultBreakerAtTheFifthFailure_thenExecuteIsRefusedWithoutTheHandler()
            throws Exception {
        try (var bus = bus(Pipeline.builder().clock(clock).circuitBreaker(breakers(CircuitBreakerConfig.defaults()))
                .build())) {
            for (int i = 1; i <= 5; i++) {
                var threw = assertInstanceOf(FailureCause.HandlerThrew.class, failureOf(execute(bus, "hi")));
                assertEquals("model 503 on call " + i, threw.error().getMessage());
            }
            assertEquals(State.OPEN, breaker().state(), "the regression: the breaker opens through the bus");

            for (int i = 0; i < 3; i++) {
                var open = assertInstanceOf(FailureCause.CircuitOpen.class, failureOf(execute(bus, "hi")));
                assertEquals("AskModel", open.breaker());
                assertEquals(T0.plus(Duration.ofSeconds(60)), open.retryAt());
            }
            assertEquals(5, handled.get(), "no refused execution reached the handler");
        }
    }

    @Test
    void afterTheOpenDuration_aSuccessfulProbeThroughTheBus_closesTheBreaker() throws Exception {
        try (var bus = bus(Pipeline.builder().clock(clock).circuitBreaker(breakers(threshold(2))).build())) {
            execute(bus, "hi");
            execute(bus, "hi");
            assertEquals(State.OPEN, breaker().state());
            failing.set(false);
            clock.advance(Duration.ofSeconds(60));

            assertEquals("answer to again", execute(bus, "again").orThrow());

            assertEquals(State.CLOSED, breaker().state());
            assertEquals(3, handled.get());
        }
    }

    @Test
    void withARetryInside_theBreakerCountsEveryFailedAttempt_andTheRetryStopsAtCircuitOpen() throws Exception {
        var retry = RetryPolicy.builder().maxAttempts(10).initialDelay(Duration.ofMillis(10)).jitter(false).build();
        try (var bus = bus(Pipeline.builder().clock(clock).retry(retry).circuitBreaker(breakers(threshold(3)))
                .build())) {
            var result = drive(bus.executeAsync(new AskModel("hi")));

            var open = assertInstanceOf(FailureCause.CircuitOpen.class, failureOf(result),
                    "the 4th attempt was refused, and an open circuit is not retried");
            assertEquals("AskModel", open.breaker());
            assertEquals(3, handled.get(), "three failed attempts opened the breaker within one execution");
            assertEquals(State.OPEN, breaker().state());
        }
    }

    @Test
    void aFailureResultWithoutAnException_countsAsAFailure() throws Exception {
        failing.set(false);
        // inside the policy: turns the handler's answer into a failure result, the way a provider
        // client's middleware reports an HTTP 500 without throwing
        CommandMiddleware provider500 = new CommandMiddleware() {
            @Override
            public <R> CommandResult<R> handle(Command<R> command, CommandContext context, CommandChain<R> chain)
                    throws Exception {
                chain.proceed();
                return CommandResult.failure(new FailureCause.HandlerThrew(new IllegalStateException("provider 500")));
            }
        };
        try (var bus = bus(Pipeline.builder().clock(clock).circuitBreaker(breakers(threshold(3))).build(),
                builder -> builder.addCommandMiddleware(provider500))) {
            for (int i = 0; i < 3; i++) {
                var threw = assertInstanceOf(FailureCause.HandlerThrew.class, failureOf(execute(bus, "hi")));
                assertEquals("provider 500", threw.error().getMessage());
            }
            assertEquals(State.OPEN, breaker().state());
            assertInstanceOf(FailureCause.CircuitOpen.class, failureOf(execute(bus, "hi")));
            assertEquals(3, handled.get());
        }
    }

    @Test
    void everyTransition_isPublishedAsACircuitBreakerTransitionedLifecycleEvent() throws Exception {
        try (var bus = bus(Pipeline.builder().clock(clock).circuitBreaker(breakers(threshold(2))).build())) {
            bus.subscribe(CircuitBreakerTransitioned.class, published::add);
            execute(bus, "hi");
            execute(bus, "hi");

            var opened = nextTransition();
            assertEquals("resilience", opened.module());
            assertEquals(new CircuitBreaker.Transition("AskModel", State.CLOSED, State.OPEN, T0,
                    "2 consecutive failures within PT1M"), opened.transition());

            failing.set(false);
            clock.advance(Duration.ofSeconds(60));
            execute(bus, "again");
            var halfOpen = nextTransition().transition();
            var closed = nextTransition().transition();
            assertEquals(List.of(State.OPEN, State.HALF_OPEN), List.of(halfOpen.from(), halfOpen.to()));
            assertEquals(List.of(State.HALF_OPEN, State.CLOSED), List.of(closed.from(), closed.to()));
            assertEquals(T0.plus(Duration.ofSeconds(60)), closed.at());

            breaker().forceOpen();
            assertEquals(State.FORCED_OPEN, nextTransition().transition().to(), "manual changes are published too");
        }
    }

    @Test
    void thePolicy_showsItsBreakersAndTheirStates() throws Exception {
        try (var bus = bus(Pipeline.builder().clock(clock).circuitBreaker(breakers(threshold(2))).build())) {
            ResiliencePolicy p = policy;
            assertNotNull(p);
            assertEquals(Map.of(), p.circuitBreakers(), "no breaker before the first call");
            failing.set(false);
            execute(bus, "hi");
            assertEquals(State.CLOSED, breaker().state());
            assertEquals(List.of("AskModel"), List.copyOf(p.circuitBreakers().keySet()));
            failing.set(true);
            execute(bus, "hi");
            assertEquals(1, breaker().snapshot().consecutiveFailures());
            execute(bus, "hi");
            var snapshot = breaker().snapshot();
            assertEquals(State.OPEN, snapshot.state());
            assertEquals(T0.plus(Duration.ofSeconds(60)), snapshot.retryAt());
            assertEquals(1, snapshot.transitions());
        }
    }

    @Test
    void aGuardedEventHandlerThatThrows_opensItsBreaker_andLaterEventsSkipIt() throws Exception {
        var audits = new AtomicInteger();
        var resilience = ResiliencePolicy.builder().clock(clock).events(ToolCalled.class, "audit",
                Pipeline.builder().clock(clock).circuitBreaker(CircuitBreakers.builder(threshold(2))
                        .keyBy(KeyBy.handler()).clock(clock).build()).build()).build();
        try (var bus = resilience.installOn(MessageBus.builder().name("auditing").clock(clock)).start()) {
            bus.registerEventHandler(ToolCalled.class, HandlerOptions.named("audit"), (event, ctx) -> {
                audits.incrementAndGet();
                throw new IllegalStateException("audit store down");
            });
            for (int i = 0; i < 2; i++) {
                var delivered = assertInstanceOf(DeliveryOutcome.Delivered.class,
                        bus.publishAndWait(new ToolCalled("search"), Duration.ofSeconds(WAIT_SECONDS)));
                assertEquals(1, delivered.failures().size());
            }
            CircuitBreaker audit = resilience.circuitBreakers().get("audit");
            assertNotNull(audit, "breakers: " + resilience.circuitBreakers());
            assertEquals(State.OPEN, audit.state());

            var refused = assertInstanceOf(DeliveryOutcome.Delivered.class,
                    bus.publishAndWait(new ToolCalled("search"), Duration.ofSeconds(WAIT_SECONDS)));

            assertEquals(2, audits.get(), "the open breaker kept the third event from the handler");
            assertEquals(1, refused.failures().size(), "the refusal is reported once as the handler's failure");
            Throwable error = refused.failures().get(0).error();
            while (error != null && !(error instanceof ResilienceException)) {
                error = error.getCause();
            }
            var resilienceFailure = assertInstanceOf(ResilienceException.class, error,
                    "the handler failure carries the typed cause: " + refused.failures());
            assertInstanceOf(FailureCause.CircuitOpen.class, resilienceFailure.failure());
        }
    }
}
