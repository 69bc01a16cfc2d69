package org.llmgine.bus.resilience;

import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import org.jspecify.annotations.Nullable;
import org.llmgine.bus.message.FailureCause;

/**
 * Failure statistics of the calls a {@link ResiliencePolicy} runs: per command type, per event
 * type and handler, and (if the policy has a stats key function) per key such as the model
 * provider. An execution is one call through the pipeline, however many attempts it made, so the
 * failure rate is failed executions over executions and never above 1 (the Python bus divided
 * failed attempts by executions and reported 2.5, B-24). Attempts are counted apart.
 *
 * <p>Recording is lock-free (adders and atomics); a snapshot read while calls run may mix counts of
 * slightly different moments.
 */
public final class ErrorStats {

    /**
     * What was counted.
     *
     * @param messageType the command or event class's simple name
     * @param handler the event handler's name, or null for a command
     * @param key the stats key's value, or null for the totals of the type (and handler)
     */
    public record Key(String messageType, @Nullable String handler, @Nullable String key) {
        /** Checks the fields. */
        public Key {
            Objects.requireNonNull(messageType, "messageType");
        }
    }

    /**
     * The counts of one key.
     *
     * @param key what was counted
     * @param executions calls through the pipeline
     * @param failedExecutions calls that ended in a failure
     * @param attempts attempts made (a call retried twice made 3)
     * @param failedAttempts attempts that failed
     * @param consecutiveFailures attempts that failed since the last one that succeeded
     * @param lastFailure when an attempt last failed, or null
     * @param lastCause how it failed, or null
     */
    public record Snapshot(Key key, long executions, long failedExecutions, long attempts, long failedAttempts,
            int consecutiveFailures, @Nullable Instant lastFailure, @Nullable FailureCause lastCause) {

        /**
         * Returns failed executions over executions: 0 to 1, 0 with no execution.
         *
         * @return the failure rate
         */
        public double failureRate() {
            return executions == 0 ? 0 : Math.min(1.0, (double) failedExecutions / executions);
        }

        /**
         * Returns failed attempts over attempts: 0 to 1, 0 with no attempt.
         *
         * @return the attempt failure rate
         */
        public double attemptFailureRate() {
            return attempts == 0 ? 0 : Math.min(1.0, (double) failedAttempts / attempts);
        }
    }

    /** The counts of one key; recorded by the policy. */
    static final class Counter {
        private final Key key;
        private final LongAdder executions = new LongAdder();
        private final LongAdder failedExecutions = new LongAdder();
        private final LongAdder attempts = new LongAdder();
        private final LongAdder failedAttempts = new LongAdder();
        private final AtomicInteger consecutive = new AtomicInteger();
        private volatile @Nullable Instant lastFailure;
        private volatile @Nullable FailureCause lastCause;

        Counter(Key key) {
            this.key = key;
        }

        void execution(boolean failed) {
            executions.increment();
            if (failed) {
                failedExecutions.increment();
            }
        }

        void attempt(@Nullable FailureCause failure, InstantSource clock) {
            attempts.increment();
            if (failure == null) {
                if (consecutive.get() != 0) {
                    consecutive.set(0);
                }
                return;
            }
            failedAttempts.increment();
            consecutive.incrementAndGet();
            lastFailure = clock.instant();
            lastCause = failure;
        }

        Snapshot snapshot() {
            return new Snapshot(key, executions.sum(), failedExecutions.sum(), attempts.sum(), failedAttempts.sum(),
                    consecutive.get(), lastFailure, lastCause);
        }
    }

    /** The totals, by message class, then by handler name ("" for a command): bounded by the code, not the sessions. */
    private final ConcurrentHashMap<Class<?>, ConcurrentHashMap<String, Counter>> totals = new ConcurrentHashMap<>();
    private final Keyed<Counter> byKey;

    ErrorStats(int maxKeys) {
        this.byKey = new Keyed<>("error statistics", "counter", key -> new Counter((Key) key), maxKeys);
    }

    /** The totals of a command type (handler null) or of an event type's handler, in every scope. */
    Counter of(Class<?> type, @Nullable String handler) {
        ConcurrentHashMap<String, Counter> byHandler = totals.get(type);
        if (byHandler == null) {
            byHandler = totals.computeIfAbsent(type, t -> new ConcurrentHashMap<>());
        }
        String name = handler == null ? "" : handler;
        Counter counter = byHandler.get(name);
        return counter != null ? counter
                : byHandler.computeIfAbsent(name, n -> new Counter(new Key(type.getSimpleName(), handler, null)));
    }

    /** The counter of a stats key's value; null past the bound (the totals still count). */
    @Nullable Counter of(String messageType, @Nullable String handler, String key) {
        return byKey.get(new Key(messageType, handler, key));
    }

    /**
     * Returns the counts of every command type, event handler and key seen so far.
     *
     * @return the snapshots, totals first
     */
    public List<Snapshot> snapshot() {
        List<Snapshot> all = new ArrayList<>();
        totals.values().forEach(byHandler -> byHandler.values().forEach(counter -> all.add(counter.snapshot())));
        byKey.all().values().forEach(counter -> all.add(counter.snapshot()));
        return all;
    }

    /**
     * Returns the counts of one command type, event handler or key.
     *
     * @param key what was counted
     * @return the snapshot; all zero if nothing was counted for it
     */
    public Snapshot of(Key key) {
        Objects.requireNonNull(key, "key");
        Counter keyed = byKey.find(key);
        if (keyed != null) {
            return keyed.snapshot();
        }
        for (ConcurrentHashMap<String, Counter> byHandler : totals.values()) {
            for (Counter counter : byHandler.values()) {
                if (counter.key.equals(key)) {
                    return counter.snapshot();
                }
            }
        }
        return new Snapshot(key, 0, 0, 0, 0, 0, null, null);
    }
}
