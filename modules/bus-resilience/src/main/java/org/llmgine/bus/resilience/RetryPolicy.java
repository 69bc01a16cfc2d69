package org.llmgine.bus.resilience;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.Predicate;
import org.jspecify.annotations.Nullable;
import org.llmgine.bus.message.FailureCause;

/**
 * How a failed call is retried: how many attempts, how long to wait between them (exponential
 * backoff with full jitter, capped, see {@link Backoff}), for how long in total, which failures are
 * worth another attempt, and whether a failure names its own delay (a provider's Retry-After).
 * Immutable; build one with {@link #builder()}. The defaults are the Python bus's: 3 retries after
 * the first attempt, 100 ms, times 2, capped at 10 s, with jitter.
 *
 * <pre>{@code
 * RetryPolicy policy = RetryPolicy.builder()
 *         .maxAttempts(5)
 *         .initialDelay(Duration.ofMillis(200))
 *         .maxTotalDuration(Duration.ofSeconds(30))
 *         .build();
 * }</pre>
 */
public final class RetryPolicy {

    /** Default attempts, the first one included: {@value} (3 retries). */
    public static final int DEFAULT_MAX_ATTEMPTS = 4;
    /** Default delay before the first retry: 100 ms. */
    public static final Duration DEFAULT_INITIAL_DELAY = Duration.ofMillis(100);
    /** Default growth of the delay per retry: {@value}. */
    public static final double DEFAULT_MULTIPLIER = 2.0;
    /** Default cap of one delay: 10 s. */
    public static final Duration DEFAULT_MAX_DELAY = Duration.ofSeconds(10);

    private final int maxAttempts;
    private final Duration initialDelay;
    private final double multiplier;
    private final Duration maxDelay;
    private final boolean jitter;
    private final @Nullable Duration maxTotalDuration;
    private final Predicate<FailureCause> retryOn;
    private final Predicate<FailureCause> abortOn;
    private final Function<FailureCause, Optional<Duration>> delayFromCause;

    private RetryPolicy(Builder b) {
        this.maxAttempts = b.maxAttempts;
        this.initialDelay = b.initialDelay;
        this.multiplier = b.multiplier;
        this.maxDelay = b.maxDelay;
        this.jitter = b.jitter;
        this.maxTotalDuration = b.maxTotalDuration;
        this.retryOn = b.retryOn;
        this.abortOn = b.abortOn;
        this.delayFromCause = b.delayFromCause;
    }

    /**
     * Starts a policy with the defaults.
     *
     * @return a builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Returns the policy with every default.
     *
     * @return the default policy
     */
    public static RetryPolicy defaults() {
        return builder().build();
    }

    /**
     * Which failures are retried by default: a handler that threw, an attempt that timed out, and
     * a rate limit. Cancellation, an unavailable scope, a missing handler, a rejection, an open
     * circuit, a full bulkhead and approval outcomes are final.
     *
     * @param cause the failure
     * @return true if another attempt may succeed
     */
    public static boolean transientByDefault(FailureCause cause) {
        return cause instanceof FailureCause.HandlerThrew || cause instanceof FailureCause.TimedOut
                || cause instanceof FailureCause.RateLimited;
    }

    /**
     * The delay a failure names by default: a rate limit's {@code retryAfter}.
     *
     * @param cause the failure
     * @return the delay it asks for, or empty
     */
    public static Optional<Duration> retryAfterByDefault(FailureCause cause) {
        return cause instanceof FailureCause.RateLimited limited ? Optional.of(limited.retryAfter()) : Optional.empty();
    }

    /**
     * Returns the most attempts, the first one included.
     *
     * @return the most attempts, the first one included
     */
    public int maxAttempts() {
        return maxAttempts;
    }

    /**
     * Returns the delay before the first retry.
     *
     * @return the delay before the first retry
     */
    public Duration initialDelay() {
        return initialDelay;
    }

    /**
     * Returns how much each delay grows over the one before.
     *
     * @return how much each delay grows over the one before
     */
    public double multiplier() {
        return multiplier;
    }

    /**
     * Returns the longest one delay may be (before jitter).
     *
     * @return the longest one delay may be (before jitter)
     */
    public Duration maxDelay() {
        return maxDelay;
    }

    /**
     * Returns whether delays are drawn uniformly from {@code [0, delay]} (full jitter).
     *
     * @return whether delays are drawn uniformly from {@code [0, delay]} (full jitter)
     */
    public boolean jitter() {
        return jitter;
    }

    /**
     * Returns how long all attempts together may take, or empty for no limit.
     *
     * @return how long all attempts together may take, or empty for no limit
     */
    public Optional<Duration> maxTotalDuration() {
        return Optional.ofNullable(maxTotalDuration);
    }

    /**
     * Matches a handler that threw one of {@code types} (or a subclass), for {@code retryOn} and
     * {@code abortOn}: {@code retryOn(RetryPolicy.thrown(IOException.class))}.
     *
     * @param types the exception classes (subclasses of Throwable)
     * @return a predicate over failure causes
     */
    public static Predicate<FailureCause> thrown(Class<?>... types) {
        Class<?>[] copy = types.clone();
        for (Class<?> type : copy) {
            Objects.requireNonNull(type, "an exception type is null");
            if (!Throwable.class.isAssignableFrom(type)) {
                throw new IllegalArgumentException("thrown(...) takes exception classes, but " + type.getName()
                        + " is not a Throwable");
            }
        }
        return cause -> {
            if (cause instanceof FailureCause.HandlerThrew threw) {
                for (Class<?> type : copy) {
                    if (type.isInstance(threw.error())) {
                        return true;
                    }
                }
            }
            return false;
        };
    }

    /**
     * Tells whether a failure is worth another attempt: the retry predicate holds and the abort
     * predicate does not.
     *
     * @param cause the failure
     * @return true to retry (attempts and total time permitting)
     */
    public boolean retries(FailureCause cause) {
        Objects.requireNonNull(cause, "cause");
        return !abortOn.test(cause) && retryOn.test(cause);
    }

    /**
     * Returns the delay a failure names for itself (a provider's Retry-After), which wins over the
     * backoff.
     *
     * @param cause the failure
     * @return the delay, or empty to use the backoff
     */
    public Optional<Duration> delayFrom(FailureCause cause) {
        return Objects.requireNonNull(delayFromCause.apply(Objects.requireNonNull(cause, "cause")),
                "the delayFromCause function returned null");
    }

    @Override
    public String toString() {
        return "RetryPolicy[maxAttempts=" + maxAttempts + ", initialDelay=" + initialDelay + ", multiplier="
                + multiplier + ", maxDelay=" + maxDelay + ", jitter=" + jitter + ", maxTotalDuration="
                + maxTotalDuration + "]";
    }

    /** Builds a {@link RetryPolicy}; every setter validates its argument at once and names it. */
    public static final class Builder {

        private int maxAttempts = DEFAULT_MAX_ATTEMPTS;
        private Duration initialDelay = DEFAULT_INITIAL_DELAY;
        private double multiplier = DEFAULT_MULTIPLIER;
        private Duration maxDelay = DEFAULT_MAX_DELAY;
        private boolean jitter = true;
        private @Nullable Duration maxTotalDuration;
        private Predicate<FailureCause> retryOn = RetryPolicy::transientByDefault;
        private Predicate<FailureCause> abortOn = cause -> false;
        private Function<FailureCause, Optional<Duration>> delayFromCause = RetryPolicy::retryAfterByDefault;

        private Builder() {
        }

        /**
         * Sets the most attempts, the first one included (default {@value #DEFAULT_MAX_ATTEMPTS}).
         *
         * @param maxAttempts at least 1 (1 means no retry)
         * @return this builder
         */
        public Builder maxAttempts(int maxAttempts) {
            if (maxAttempts < 1) {
                throw new IllegalArgumentException("maxAttempts must be at least 1, but was " + maxAttempts);
            }
            this.maxAttempts = maxAttempts;
            return this;
        }

        /**
         * Sets the delay before the first retry (default 100 ms).
         *
         * @param initialDelay not negative
         * @return this builder
         */
        public Builder initialDelay(Duration initialDelay) {
            this.initialDelay = notNegative("initialDelay", initialDelay);
            return this;
        }

        /**
         * Sets how much each delay grows over the one before (default 2).
         *
         * @param multiplier at least 1, finite
         * @return this builder
         */
        public Builder multiplier(double multiplier) {
            if (!(multiplier >= 1.0) || Double.isInfinite(multiplier)) {
                throw new IllegalArgumentException("multiplier must be a finite number of at least 1, but was "
                        + multiplier);
            }
            this.multiplier = multiplier;
            return this;
        }

        /**
         * Sets the cap of one delay (default 10 s).
         *
         * @param maxDelay not negative
         * @return this builder
         */
        public Builder maxDelay(Duration maxDelay) {
            this.maxDelay = notNegative("maxDelay", maxDelay);
            return this;
        }

        /**
         * Sets whether delays are drawn uniformly from {@code [0, delay]} (default true: full jitter,
         * so callers that failed together do not retry together).
         *
         * @param jitter false for exact delays
         * @return this builder
         */
        public Builder jitter(boolean jitter) {
            this.jitter = jitter;
            return this;
        }

        /**
         * Limits how long all attempts together may take: no retry starts whose delay would end
         * after it (default: no limit).
         *
         * @param maxTotalDuration positive
         * @return this builder
         */
        public Builder maxTotalDuration(Duration maxTotalDuration) {
            notNegative("maxTotalDuration", maxTotalDuration);
            if (maxTotalDuration.isZero()) {
                throw new IllegalArgumentException("maxTotalDuration must be positive, but was " + maxTotalDuration);
            }
            this.maxTotalDuration = maxTotalDuration;
            return this;
        }

        /**
         * Sets which failures are retried (default {@link RetryPolicy#transientByDefault}).
         *
         * @param retryOn true for failures worth another attempt
         * @return this builder
         */
        public Builder retryOn(Predicate<FailureCause> retryOn) {
            this.retryOn = Objects.requireNonNull(retryOn, "retryOn");
            return this;
        }

        /**
         * Sets which failures end the retries at once even where {@code retryOn} holds, for example
         * {@code abortOn(RetryPolicy.thrown(AuthenticationException.class))} (default: none).
         *
         * @param abortOn true for failures never worth another attempt
         * @return this builder
         */
        public Builder abortOn(Predicate<FailureCause> abortOn) {
            this.abortOn = Objects.requireNonNull(abortOn, "abortOn");
            return this;
        }

        /**
         * Sets how a failure names its own delay, for example a Retry-After header a model client
         * put in its exception (default {@link RetryPolicy#retryAfterByDefault}, which reads a rate
         * limiter's {@code RateLimited.retryAfter}). The function replaces the default: fall back to
         * {@code RetryPolicy.retryAfterByDefault(cause)} in it to keep honouring rate limiters.
         *
         * @param delayFromCause the delay a failure asks for, or empty to use the backoff
         * @return this builder
         */
        public Builder delayFromCause(Function<FailureCause, Optional<Duration>> delayFromCause) {
            this.delayFromCause = Objects.requireNonNull(delayFromCause, "delayFromCause");
            return this;
        }

        /**
         * Builds the policy.
         *
         * @return the policy
         * @throws IllegalArgumentException if {@code maxDelay} is shorter than {@code initialDelay}
         */
        public RetryPolicy build() {
            if (maxDelay.compareTo(initialDelay) < 0) {
                throw new IllegalArgumentException("maxDelay must not be shorter than initialDelay, but maxDelay was "
                        + maxDelay + " and initialDelay " + initialDelay);
            }
            return new RetryPolicy(this);
        }

        private static Duration notNegative(String field, Duration value) {
            Objects.requireNonNull(value, field);
            if (value.isNegative()) {
                throw new IllegalArgumentException(field + " must not be negative, but was " + value);
            }
            return value;
        }
    }
}
