package org.llmgine.bus.resilience;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Predicate;
import org.jspecify.annotations.Nullable;
import org.llmgine.bus.message.FailureCause;

/**
 * When a {@link CircuitBreaker} opens, how long it stays open and how it closes again. Immutable;
 * build one with {@link #builder()}. The defaults are the Python bus's: open after 5 consecutive
 * failures within 60 s, stay open 60 s, then admit probes (at most 3 at a time) and close after 3
 * successful ones.
 *
 * <p>A breaker trips on any of the rules configured:
 * <ul>
 *   <li>consecutive failures: {@link Builder#consecutiveFailures} failures in a row, none older
 *       than the window (a success clears the count);</li>
 *   <li>failure rate: {@link Builder#failureRate} over the last N calls, or
 *       {@link Builder#failureRateOver} over the last T seconds, once {@link Builder#minimumCalls}
 *       calls are in the window;</li>
 *   <li>slow-call rate: {@link Builder#slowCalls}, over the same window, for a provider whose
 *       latency degrades before its calls fail.</li>
 * </ul>
 */
public final class CircuitBreakerConfig {

    /** How a rate window counts. */
    public enum WindowType {
        /** The last N calls. */
        COUNT,
        /** The calls of the last N seconds, in one-second buckets. */
        TIME
    }

    private final int consecutiveThreshold;
    private final Duration consecutiveWindow;
    private final double failureRateThreshold;
    private final @Nullable Duration slowCallDuration;
    private final double slowCallRateThreshold;
    private final WindowType windowType;
    private final int windowSize;
    private final int minimumCalls;
    private final Duration openDuration;
    private final int successThreshold;
    private final int halfOpenProbes;
    private final Predicate<FailureCause> recordOn;

    private CircuitBreakerConfig(Builder b) {
        this.consecutiveThreshold = b.consecutiveThreshold;
        this.consecutiveWindow = b.consecutiveWindow;
        this.failureRateThreshold = b.failureRateThreshold;
        this.slowCallDuration = b.slowCallDuration;
        this.slowCallRateThreshold = b.slowCallRateThreshold;
        this.windowType = b.windowType;
        this.windowSize = b.windowSize;
        // a window of N calls never holds more, so a larger minimum would never be reached (as Resilience4j)
        this.minimumCalls = b.windowType == WindowType.COUNT ? Math.min(b.minimumCalls, b.windowSize) : b.minimumCalls;
        this.openDuration = b.openDuration;
        this.successThreshold = b.successThreshold;
        this.halfOpenProbes = b.halfOpenProbes;
        this.recordOn = b.recordOn;
    }

    /**
     * Starts a configuration with the defaults.
     *
     * @return a builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Returns the configuration with every default.
     *
     * @return the default configuration
     */
    public static CircuitBreakerConfig defaults() {
        return builder().build();
    }

    /**
     * Which failures a breaker counts by default: a handler that threw, an attempt that timed out,
     * and failures of a module's own ({@code Other}). Cancellation, rejections, a missing handler,
     * an unavailable scope, approval outcomes, a full bulkhead, a rate limit and another breaker's
     * open circuit say nothing about the handler's health and count as neither success nor failure.
     *
     * @param cause the failure
     * @return true if it counts as a failure
     */
    public static boolean failureByDefault(FailureCause cause) {
        return cause instanceof FailureCause.HandlerThrew || cause instanceof FailureCause.TimedOut
                || cause instanceof FailureCause.RetriesExhausted || cause instanceof FailureCause.Other;
    }

    /**
     * Returns how many consecutive failures open the breaker, 0 if that rule is off.
     *
     * @return the threshold
     */
    public int consecutiveThreshold() {
        return consecutiveThreshold;
    }

    /**
     * Returns how old a failure may be and still count towards the consecutive threshold.
     *
     * @return the window
     */
    public Duration consecutiveWindow() {
        return consecutiveWindow;
    }

    /**
     * Returns the failure rate (0 to 1) that opens the breaker, or 0 if that rule is off.
     *
     * @return the threshold
     */
    public double failureRateThreshold() {
        return failureRateThreshold;
    }

    /**
     * Returns how long a call must take to count as slow, if the slow-call rule is on.
     *
     * @return the duration
     */
    public Optional<Duration> slowCallDuration() {
        return Optional.ofNullable(slowCallDuration);
    }

    /**
     * Returns the slow-call rate (0 to 1) that opens the breaker.
     *
     * @return the threshold
     */
    public double slowCallRateThreshold() {
        return slowCallRateThreshold;
    }

    /**
     * Returns how the rate window counts.
     *
     * @return the window type
     */
    public WindowType windowType() {
        return windowType;
    }

    /**
     * Returns the rate window's size: calls for COUNT, seconds for TIME.
     *
     * @return the size
     */
    public int windowSize() {
        return windowSize;
    }

    /**
     * Returns how many calls the rate window needs before a rate can open the breaker.
     *
     * @return the minimum
     */
    public int minimumCalls() {
        return minimumCalls;
    }

    /**
     * Returns how long the breaker stays open before it admits probes.
     *
     * @return the duration
     */
    public Duration openDuration() {
        return openDuration;
    }

    /**
     * Returns how many successful probes close the breaker.
     *
     * @return the threshold
     */
    public int successThreshold() {
        return successThreshold;
    }

    /**
     * Returns how many probes may run at the same time while half-open.
     *
     * @return the bound
     */
    public int halfOpenProbes() {
        return halfOpenProbes;
    }

    /**
     * Tells whether a failure counts against the breaker.
     *
     * @param cause the failure
     * @return true if it counts as a failure; false if the call is ignored
     */
    public boolean records(FailureCause cause) {
        return recordOn.test(Objects.requireNonNull(cause, "cause"));
    }

    boolean hasRateWindow() {
        return failureRateThreshold > 0 || slowCallDuration != null;
    }

    @Override
    public String toString() {
        return "CircuitBreakerConfig[consecutive=" + consecutiveThreshold + " in " + consecutiveWindow
                + ", failureRate=" + failureRateThreshold + ", slowCall=" + slowCallDuration + "@"
                + slowCallRateThreshold + ", window=" + windowSize + " " + windowType + ", minimumCalls="
                + minimumCalls + ", open=" + openDuration + ", successThreshold=" + successThreshold
                + ", halfOpenProbes=" + halfOpenProbes + "]";
    }

    /** Builds a {@link CircuitBreakerConfig}; every setter validates its argument and names it. */
    public static final class Builder {

        private int consecutiveThreshold = 5;
        private Duration consecutiveWindow = Duration.ofSeconds(60);
        private double failureRateThreshold;
        private @Nullable Duration slowCallDuration;
        private double slowCallRateThreshold = 1.0;
        private WindowType windowType = WindowType.COUNT;
        private int windowSize = 100;
        private int minimumCalls = 10;
        private Duration openDuration = Duration.ofSeconds(60);
        private int successThreshold = 3;
        private int halfOpenProbes = 3;
        private Predicate<FailureCause> recordOn = CircuitBreakerConfig::failureByDefault;

        private Builder() {
        }

        /**
         * Opens after {@code threshold} failures in a row, none older than {@code window} (default
         * 5 in 60 s); a threshold of 0 turns the rule off.
         *
         * @param threshold at least 0
         * @param window positive
         * @return this builder
         */
        public Builder consecutiveFailures(int threshold, Duration window) {
            if (threshold < 0) {
                throw new IllegalArgumentException("consecutive failure threshold must not be negative, but was "
                        + threshold);
            }
            this.consecutiveThreshold = threshold;
            this.consecutiveWindow = positive("consecutive failure window", window);
            return this;
        }

        /**
         * Opens when at least {@code threshold} of the last {@code calls} calls failed.
         *
         * @param threshold a rate above 0 and at most 1
         * @param calls the window, at least 1 call
         * @return this builder
         */
        public Builder failureRate(double threshold, int calls) {
            this.failureRateThreshold = rate("failure rate threshold", threshold);
            this.windowType = WindowType.COUNT;
            this.windowSize = atLeastOne("failure rate window", calls);
            return this;
        }

        /**
         * Opens when at least {@code threshold} of the calls of the last {@code window} failed
         * (one-second buckets).
         *
         * @param threshold a rate above 0 and at most 1
         * @param window at least one second
         * @return this builder
         */
        public Builder failureRateOver(double threshold, Duration window) {
            this.failureRateThreshold = rate("failure rate threshold", threshold);
            this.windowType = WindowType.TIME;
            this.windowSize = seconds("failure rate window", window);
            return this;
        }

        /**
         * Opens when at least {@code threshold} of the calls in the rate window took
         * {@code slowerThan} or longer, failed or not. Uses the window set by {@code failureRate} or
         * {@code failureRateOver} (default the last 100 calls).
         *
         * @param slowerThan positive
         * @param threshold a rate above 0 and at most 1
         * @return this builder
         */
        public Builder slowCalls(Duration slowerThan, double threshold) {
            this.slowCallDuration = positive("slow call duration", slowerThan);
            this.slowCallRateThreshold = rate("slow call rate threshold", threshold);
            return this;
        }

        /**
         * Uses the last {@code seconds} seconds as the rate window, for the slow-call rule on its own.
         *
         * @param window at least one second
         * @return this builder
         */
        public Builder timeWindow(Duration window) {
            this.windowType = WindowType.TIME;
            this.windowSize = seconds("rate window", window);
            return this;
        }

        /**
         * Sets how many calls the rate window needs before a rate counts (default 10; a count
         * window smaller than this lowers it to the window's size).
         *
         * @param calls at least 1
         * @return this builder
         */
        public Builder minimumCalls(int calls) {
            this.minimumCalls = atLeastOne("minimumCalls", calls);
            return this;
        }

        /**
         * Sets how long the breaker stays open before it admits probes (default 60 s).
         *
         * @param duration positive
         * @return this builder
         */
        public Builder openDuration(Duration duration) {
            this.openDuration = positive("openDuration", duration);
            return this;
        }

        /**
         * Sets how many successful probes close the breaker (default 3).
         *
         * @param successes at least 1
         * @return this builder
         */
        public Builder successThreshold(int successes) {
            this.successThreshold = atLeastOne("successThreshold", successes);
            return this;
        }

        /**
         * Sets how many probes may run at the same time while half-open (default 3); the others
         * are refused as if the breaker were open.
         *
         * @param probes at least 1
         * @return this builder
         */
        public Builder halfOpenProbes(int probes) {
            this.halfOpenProbes = atLeastOne("halfOpenProbes", probes);
            return this;
        }

        /**
         * Sets which failures count against the breaker (default
         * {@link CircuitBreakerConfig#failureByDefault}); the rest are ignored.
         *
         * @param recordOn true for failures that count
         * @return this builder
         */
        public Builder recordOn(Predicate<FailureCause> recordOn) {
            this.recordOn = Objects.requireNonNull(recordOn, "recordOn");
            return this;
        }

        /**
         * Builds the configuration.
         *
         * @return the configuration
         * @throws IllegalArgumentException if no rule can open the breaker
         */
        public CircuitBreakerConfig build() {
            if (consecutiveThreshold == 0 && failureRateThreshold == 0 && slowCallDuration == null) {
                throw new IllegalArgumentException("a circuit breaker needs a rule that opens it: consecutive failures,"
                        + " a failure rate or a slow-call rate; all are off");
            }
            return new CircuitBreakerConfig(this);
        }

        private static Duration positive(String field, Duration value) {
            Objects.requireNonNull(value, field);
            if (value.isNegative() || value.isZero()) {
                throw new IllegalArgumentException(field + " must be positive, but was " + value);
            }
            return value;
        }

        private static double rate(String field, double value) {
            if (!(value > 0 && value <= 1)) {
                throw new IllegalArgumentException(field + " must be above 0 and at most 1, but was " + value);
            }
            return value;
        }

        private static int atLeastOne(String field, int value) {
            if (value < 1) {
                throw new IllegalArgumentException(field + " must be at least 1, but was " + value);
            }
            return value;
        }

        private static int seconds(String field, Duration window) {
            Objects.requireNonNull(window, field);
            if (window.getSeconds() < 1 || window.getSeconds() > 3600) {
                throw new IllegalArgumentException(field + " must be from 1 s to 1 h, but was " + window);
            }
            return (int) window.getSeconds();
        }
    }
}
