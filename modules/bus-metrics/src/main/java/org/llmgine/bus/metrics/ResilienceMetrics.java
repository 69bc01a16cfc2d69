package org.llmgine.bus.metrics;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.ToDoubleFunction;
import org.jspecify.annotations.Nullable;
import org.llmgine.bus.MessageBus;
import org.llmgine.bus.resilience.Bulkhead;
import org.llmgine.bus.resilience.Bulkheads;
import org.llmgine.bus.resilience.CircuitBreaker;
import org.llmgine.bus.resilience.CircuitBreakers;
import org.llmgine.bus.resilience.DeadLetterQueue;
import org.llmgine.bus.resilience.Decorator;
import org.llmgine.bus.resilience.Pipeline;
import org.llmgine.bus.resilience.ResiliencePolicy;
import org.llmgine.bus.resilience.Retry;

/**
 * Records a {@link ResiliencePolicy}'s state into a Micrometer registry, after Resilience4j's meter
 * set: add it to the bus's builder next to the policy (the resilience module must be on the module
 * path; this module reads it only if present).
 *
 * <pre>{@code
 * var bus = policy.installOn(MessageBus.builder())
 *         .addObserver(BusMetrics.of(registry))
 *         .addObserver(ResilienceMetrics.of(registry, policy))
 *         .start();
 * }</pre>
 *
 * <p>Meters, tagged {@code bus=<name>}:
 * <ul>
 *   <li>{@code circuit.breaker.state} (breaker): 0 closed, 1 open, 2 half-open; a breaker forced
 *       open reads 1, a disabled or metrics-only one 0;</li>
 *   <li>{@code circuit.breaker.calls} (breaker, kind): {@code successful}, {@code failed},
 *       {@code not_permitted}, {@code slow};</li>
 *   <li>{@code retry.calls} (rule, kind): {@code successful_without_retry},
 *       {@code successful_with_retry}, {@code failed_without_retry}, {@code failed_with_retry}; the
 *       rule is the policy's ({@link ResiliencePolicy#pipelines()});</li>
 *   <li>{@code bulkhead.available.permits} (bulkhead);</li>
 *   <li>{@code dead.letter.queue.size}, and the counters {@code dead.letter.enqueued},
 *       {@code dead.letter.replayed}, {@code dead.letter.evicted}, {@code dead.letter.rejected},
 *       {@code dead.letter.purged}.</li>
 * </ul>
 * Breakers and bulkheads made per key after the bus started get their meters when they are made.
 * Every meter is removed when the bus closes. One instance observes one bus.
 */
public final class ResilienceMetrics extends BusMeters {

    private final ResiliencePolicy policy;
    private final List<Runnable> unsubscribe = new CopyOnWriteArrayList<>();
    private final Set<Object> seen = ConcurrentHashMap.newKeySet();

    private ResilienceMetrics(@Nullable MeterRegistry registry, ResiliencePolicy policy) {
        super(registry);
        this.policy = policy;
    }

    /**
     * Records {@code policy}'s state into {@code registry}.
     *
     * @param registry the registry
     * @param policy the bus's resilience policy
     * @return the observer to add to the bus's builder
     */
    public static ResilienceMetrics of(MeterRegistry registry, ResiliencePolicy policy) {
        return new ResilienceMetrics(Objects.requireNonNull(registry, "registry"),
                Objects.requireNonNull(policy, "policy"));
    }

    /**
     * Makes the meters of {@code policy} bound to no registry yet, as a {@code MeterBinder}: add
     * this to the bus's builder and {@link #bindTo} a registry when there is one, before or after
     * the bus starts.
     *
     * @param policy the bus's resilience policy
     * @return the observer to add to the bus's builder
     */
    public static ResilienceMetrics create(ResiliencePolicy policy) {
        return new ResilienceMetrics(null, Objects.requireNonNull(policy, "policy"));
    }

    private <T> void gauge(String name, String description, T source, ToDoubleFunction<T> read, Tags tags) {
        Tags all = busTags().and(tags);
        register(r -> Gauge.builder(name, source, read).description(description).tags(all).register(r));
    }

    private <T> void counter(String name, String description, T source, ToDoubleFunction<T> read, Tags tags) {
        Tags all = busTags().and(tags);
        register(r -> FunctionCounter.builder(name, source, read).description(description).tags(all).register(r));
    }

    @Override
    void bind(MessageBus attached) {
        policy.pipelines().forEach((rule, pipeline) -> walk(rule, pipeline));
        policy.deadLetterQueue().ifPresent(this::deadLetters);
    }

    private void walk(String rule, Decorator stage) {
        switch (stage) {
            case Pipeline pipeline -> pipeline.stages().forEach(inner -> walk(rule, inner));
            case Retry retry -> retry(rule, retry);
            case CircuitBreakers breakers -> {
                if (seen.add(breakers)) {
                    unsubscribe.add(breakers.onCreate(this::breaker));
                    breakers.breakers().values().forEach(this::breaker);
                }
            }
            case CircuitBreaker breaker -> breaker(breaker);
            case Bulkheads bulkheads -> {
                if (seen.add(bulkheads)) {
                    unsubscribe.add(bulkheads.onCreate(this::bulkhead));
                    bulkheads.bulkheads().values().forEach(this::bulkhead);
                }
            }
            default -> {
                // timeouts, rate limiters and user decorators have no meters here
            }
        }
    }

    private void retry(String rule, Retry retry) {
        if (!seen.add(List.of(rule, retry))) {
            return;
        }
        Tags tags = Tags.of("rule", rule);
        String description = "Calls of a retry, by outcome";
        counter("retry.calls", description, retry, r -> r.calls().successfulWithoutRetry(),
                tags.and("kind", "successful_without_retry"));
        counter("retry.calls", description, retry, r -> r.calls().successfulWithRetry(),
                tags.and("kind", "successful_with_retry"));
        counter("retry.calls", description, retry, r -> r.calls().failedWithoutRetry(),
                tags.and("kind", "failed_without_retry"));
        counter("retry.calls", description, retry, r -> r.calls().failedWithRetry(),
                tags.and("kind", "failed_with_retry"));
    }

    private void breaker(CircuitBreaker breaker) {
        if (!seen.add(breaker)) {
            return;
        }
        Tags tags = Tags.of("breaker", breaker.name());
        gauge("circuit.breaker.state", "0 closed, 1 open, 2 half-open", breaker, ResilienceMetrics::state, tags);
        String description = "Calls a circuit breaker saw, by kind";
        counter("circuit.breaker.calls", description, breaker, b -> b.calls().successful(),
                tags.and("kind", "successful"));
        counter("circuit.breaker.calls", description, breaker, b -> b.calls().failed(), tags.and("kind", "failed"));
        counter("circuit.breaker.calls", description, breaker, b -> b.calls().notPermitted(),
                tags.and("kind", "not_permitted"));
        counter("circuit.breaker.calls", description, breaker, b -> b.calls().slow(), tags.and("kind", "slow"));
    }

    static double state(CircuitBreaker breaker) {
        return switch (breaker.state()) {
            case CLOSED, DISABLED, METRICS_ONLY -> 0;
            case OPEN, FORCED_OPEN -> 1;
            case HALF_OPEN -> 2;
        };
    }

    private void bulkhead(Bulkhead bulkhead) {
        if (seen.add(bulkhead)) {
            gauge("bulkhead.available.permits", "Permits free now", bulkhead,
                    b -> b.maxConcurrent() - b.snapshot().inUse(), Tags.of("bulkhead", bulkhead.name()));
        }
    }

    private void deadLetters(DeadLetterQueue queue) {
        gauge("dead.letter.queue.size", "Entries in the dead letter queue", queue, q -> q.stats().size(), Tags.empty());
        counter("dead.letter.enqueued", "Entries added", queue, q -> q.stats().added(), Tags.empty());
        counter("dead.letter.replayed", "Entries replayed with success", queue, q -> q.stats().replayed(),
                Tags.empty());
        counter("dead.letter.evicted", "Entries evicted to make room", queue, q -> q.stats().evicted(), Tags.empty());
        counter("dead.letter.rejected", "Entries refused by a full queue", queue, q -> q.stats().rejected(),
                Tags.empty());
        counter("dead.letter.purged", "Entries purged", queue, q -> q.stats().purged(), Tags.empty());
    }

    @Override
    void unbind() {
        unsubscribe.forEach(Runnable::run);
        unsubscribe.clear();
    }
}
