package org.llmgine.bus.benchmarks.harness;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.llmgine.bus.MessageBus;
import org.llmgine.bus.benchmarks.harness.ChaosMessages.ChaosCommand;
import org.llmgine.bus.benchmarks.harness.ChaosMessages.ChaosEvent;
import org.llmgine.bus.benchmarks.harness.ChaosMessages.ChaosEventFailure;
import org.llmgine.bus.message.FailureCause;
import org.llmgine.bus.resilience.Bulkhead;
import org.llmgine.bus.resilience.Bulkheads;
import org.llmgine.bus.resilience.CircuitBreaker;
import org.llmgine.bus.resilience.CircuitBreakerConfig;
import org.llmgine.bus.resilience.CircuitBreakers;
import org.llmgine.bus.resilience.DeadLetterQueue;
import org.llmgine.bus.resilience.ErrorStats;
import org.llmgine.bus.resilience.Pipeline;
import org.llmgine.bus.resilience.ResiliencePolicy;
import org.llmgine.bus.resilience.RetryPolicy;

/**
 * The resilience policy of one chaos bus, on real time:
 * <ul>
 *   <li>{@link ChaosCommand}s run through a pipeline of a bulkhead ({@value #BULKHEAD} at a time,
 *       the rest refused at once), a retry ({@value #COMMAND_ATTEMPTS} attempts, 1 ms doubling with
 *       full jitter, for a handler that threw only: a timed-out attempt is final), a circuit breaker
 *       (open after {@value #CONSECUTIVE} consecutive failed attempts within a second or 60 % of the
 *       last {@value #RATE_WINDOW}, for {@value #OPEN_MILLIS} ms, closed again by 2 successful
 *       probes) and a {@value #ATTEMPT_MILLIS} ms attempt timeout;</li>
 *   <li>the bus-scope {@code failing} event handler runs through a retry of
 *       {@value #EVENT_ATTEMPTS} attempts without delay (its lane is the bus scope's only one);</li>
 *   <li>a dead letter queue of {@value #DLQ_CAPACITY} entries evicting the oldest takes the
 *       commands the pipeline gave up on (retries exhausted, an attempt timed out); event
 *       failures stay out of it, since replaying an event would publish it again behind the
 *       harness's per-event accounting.</li>
 * </ul>
 * The breakers' transitions are counted into {@link ChaosCounts}.
 */
final class ChaosResilience {

    static final int BULKHEAD = 3;
    static final int COMMAND_ATTEMPTS = 3;
    static final int EVENT_ATTEMPTS = 2;
    static final int CONSECUTIVE = 6;
    static final int RATE_WINDOW = 50;
    static final double RATE_THRESHOLD = 0.6;
    static final long OPEN_MILLIS = 25;
    static final long ATTEMPT_MILLIS = 20;
    static final Duration ATTEMPT_TIMEOUT = Duration.ofMillis(ATTEMPT_MILLIS);
    static final int DLQ_CAPACITY = 256;
    /** The failing event handler's name, as registered and as its pipeline's rule names it. */
    static final String FAILING_HANDLER = "failing";
    /** The error statistics' key of the chaos command type, and of the failing event handler. */
    static final ErrorStats.Key COMMAND_KEY = new ErrorStats.Key(ChaosCommand.class.getSimpleName(), null, null);
    static final ErrorStats.Key EVENT_KEY = new ErrorStats.Key(ChaosEvent.class.getSimpleName(), FAILING_HANDLER,
            null);

    final Bulkheads bulkheads;
    final CircuitBreakers breakers;
    final DeadLetterQueue deadLetters;
    final ResiliencePolicy policy;
    /** When the breaker last opened (approximate: two transitions' listeners may overlap). */
    private volatile long openedAt;

    /**
     * What the run's policy held after the close: the figures the verdict checks.
     *
     * @param deadLetters the queue's counts
     * @param bulkheadRejected calls the bulkheads refused
     * @param breakerTransitions transitions the breakers made, by their snapshots
     * @param commandStats the error statistics of {@link ChaosCommand}
     * @param eventStats the error statistics of the failing event handler
     * @param breakers each breaker's snapshot, for the JSON
     * @param bulkheads each bulkhead's snapshot, for the JSON
     */
    record Snapshot(DeadLetterQueue.Stats deadLetters, long bulkheadRejected, long breakerTransitions,
            ErrorStats.Snapshot commandStats, ErrorStats.Snapshot eventStats, List<CircuitBreaker.Snapshot> breakers,
            List<Bulkhead.Snapshot> bulkheads) {

        /**
         * Returns the figures as JSON fields.
         *
         * @return the fields
         */
        Map<String, Object> toJson() {
            Map<String, Object> json = new LinkedHashMap<>();
            DeadLetterQueue.Stats d = deadLetters;
            json.put("dead_letters", Row.of("size", d.size(), "capacity", d.capacity(), "added", d.added(),
                    "evicted", d.evicted(), "rejected", d.rejected(), "replayed", d.replayed(), "purged", d.purged(),
                    "store_failures", d.storeFailures()));
            json.put("bulkhead_rejected", bulkheadRejected);
            json.put("breaker_transitions", breakerTransitions);
            json.put("command_stats", stats(commandStats));
            json.put("event_stats", stats(eventStats));
            List<Object> b = new ArrayList<>();
            breakers.forEach(s -> b.add(Row.of("name", s.name(), "state", s.state().name(), "transitions",
                    s.transitions())));
            json.put("breakers", b);
            List<Object> h = new ArrayList<>();
            bulkheads.forEach(s -> h.add(Row.of("name", s.name(), "max_concurrent", s.maxConcurrent(), "in_use",
                    s.inUse(), "rejected", s.rejected())));
            json.put("bulkheads", h);
            return json;
        }

        private static Map<String, Object> stats(ErrorStats.Snapshot s) {
            return Row.of("executions", s.executions(), "failed_executions", s.failedExecutions(), "attempts",
                    s.attempts(), "failed_attempts", s.failedAttempts());
        }

        /**
         * Returns an empty snapshot: a policy that saw nothing.
         *
         * @return the snapshot
         */
        static Snapshot empty() {
            return new Snapshot(new DeadLetterQueue.Stats(0, DLQ_CAPACITY, 0, 0, 0, 0, 0, 0), 0, 0,
                    emptyStats(COMMAND_KEY), emptyStats(EVENT_KEY), List.of(), List.of());
        }

        static ErrorStats.Snapshot emptyStats(ErrorStats.Key key) {
            return new ErrorStats.Snapshot(key, 0, 0, 0, 0, 0, null, null);
        }
    }

    /**
     * Makes the policy of one run.
     *
     * @param counts where the breakers' transitions are counted
     */
    ChaosResilience(ChaosCounts counts) {
        bulkheads = Bulkheads.builder(BULKHEAD).name("chaos").build();
        breakers = CircuitBreakers.builder(CircuitBreakerConfig.builder()
                .consecutiveFailures(CONSECUTIVE, Duration.ofSeconds(1))
                .failureRate(RATE_THRESHOLD, RATE_WINDOW).minimumCalls(RATE_WINDOW / 2)
                .openDuration(Duration.ofMillis(OPEN_MILLIS)).successThreshold(2).halfOpenProbes(2)
                .build()).name("chaos").build();
        breakers.onTransition(t -> {
            counts.breakerTransitions.increment();
            if (t.from() == CircuitBreaker.State.OPEN) {
                counts.breakerOpenMillis.add(t.at().toEpochMilli() - openedAt);
            }
            if (t.to() == CircuitBreaker.State.OPEN) {
                openedAt = t.at().toEpochMilli();
            }
            switch (t.to()) {
                case OPEN -> counts.breakerOpened.increment();
                case HALF_OPEN -> counts.breakerHalfOpened.increment();
                case CLOSED -> counts.breakerClosed.increment();
                default -> counts.problem("circuit breaker " + t.breaker() + " moved to " + t.to()
                        + ", a state only set by hand");
            }
        });
        Pipeline commands = Pipeline.builder()
                .bulkhead(bulkheads)
                .retry(RetryPolicy.builder().maxAttempts(COMMAND_ATTEMPTS).initialDelay(Duration.ofMillis(1))
                        .multiplier(2).maxDelay(Duration.ofMillis(4)).jitter(true)
                        .retryOn(cause -> cause instanceof FailureCause.HandlerThrew).build())
                .circuitBreaker(breakers)
                .attemptTimeout(ATTEMPT_TIMEOUT)
                .build();
        Pipeline events = Pipeline.builder()
                .retry(RetryPolicy.builder().maxAttempts(EVENT_ATTEMPTS).initialDelay(Duration.ZERO)
                        .maxDelay(Duration.ZERO).jitter(false)
                        .retryOn(cause -> cause instanceof FailureCause.HandlerThrew).build())
                .build();
        deadLetters = DeadLetterQueue.builder().capacity(DLQ_CAPACITY).overflow(DeadLetterQueue.Overflow.EVICT_OLDEST)
                .replayTimeout(Duration.ofSeconds(1)).build();
        policy = ResiliencePolicy.builder()
                .commands(ChaosCommand.class, commands)
                .events(ChaosEvent.class, FAILING_HANDLER, events)
                .deadLetterQueue(deadLetters)
                .deadLetterOn(ChaosResilience::deadLetters)
                .build();
    }

    /**
     * Which final failures the policy dead-letters: the default ones, except the event handler's.
     *
     * @param cause the failure
     * @return true to dead-letter it
     */
    static boolean deadLetters(FailureCause cause) {
        FailureCause last = cause instanceof FailureCause.RetriesExhausted exhausted ? exhausted.last() : cause;
        boolean event = last instanceof FailureCause.HandlerThrew threw && threw.error() instanceof ChaosEventFailure;
        return ResiliencePolicy.unprocessableByDefault(cause) && !event;
    }

    /**
     * Tells whether a timeout is the pipeline's attempt timeout (else the bus's execute timeout).
     *
     * @param timedOut the failure
     * @return true for the attempt timeout
     */
    static boolean attemptTimeout(FailureCause.TimedOut timedOut) {
        return timedOut.timeout().equals(ATTEMPT_TIMEOUT);
    }

    /**
     * Installs the policy on a bus under construction.
     *
     * @param builder the builder
     * @return the builder
     */
    MessageBus.Builder installOn(MessageBus.Builder builder) {
        return policy.installOn(builder);
    }

    /**
     * Returns whether every breaker is closed (or none was made yet).
     *
     * @return true if no breaker refuses calls
     */
    boolean breakersClosed() {
        return policy.circuitBreakers().values().stream().allMatch(b -> b.state() == CircuitBreaker.State.CLOSED);
    }

    /**
     * Returns what the policy holds now; call it once the bus is closed.
     *
     * @return the snapshot
     */
    Snapshot snapshot() {
        List<CircuitBreaker.Snapshot> breakerSnapshots = new ArrayList<>();
        policy.circuitBreakers().values().forEach(b -> breakerSnapshots.add(b.snapshot()));
        List<Bulkhead.Snapshot> bulkheadSnapshots = new ArrayList<>();
        bulkheads.bulkheads().values().forEach(b -> bulkheadSnapshots.add(b.snapshot()));
        ErrorStats stats = policy.errorStats();
        return new Snapshot(deadLetters.stats(),
                bulkheadSnapshots.stream().mapToLong(Bulkhead.Snapshot::rejected).sum(),
                breakerSnapshots.stream().mapToLong(CircuitBreaker.Snapshot::transitions).sum(), stats.of(COMMAND_KEY),
                stats.of(EVENT_KEY), breakerSnapshots, bulkheadSnapshots);
    }
}
