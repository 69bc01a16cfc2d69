package org.llmgine.bus.resilience;

import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.jspecify.annotations.Nullable;
import org.llmgine.bus.handler.HandlerInfo;
import org.llmgine.bus.handler.MessageContext;
import org.llmgine.bus.message.CommandResult;
import org.llmgine.bus.message.FailureCause;
import org.llmgine.bus.message.Message;

/**
 * The rate-limiter strategy of a {@link Pipeline}: a token bucket per key, for a model provider's
 * quota. A call with a token runs; one that would wait no longer than the maximum wait waits for
 * its reserved token with {@code context.sleep} (on the bus's clock, cut by cancellation); the rest
 * fail with {@link FailureCause.RateLimited} carrying the time until a token is there, which a
 * {@link Retry} outside the limiter uses as its delay.
 *
 * <pre>{@code
 * RateLimiters quota = RateLimiters.builder(50, Duration.ofSeconds(1))   // 50 calls a second
 *         .keyBy(KeyBy.header("provider"))
 *         .clock(busClock)
 *         .build();
 * }</pre>
 */
public final class RateLimiters implements Decorator {

    private final long maxWaitMillis;
    private final KeyBy keyBy;
    private final Keyed<RateLimiter> limiters;
    private final String rate;

    private RateLimiters(Builder b) {
        this.maxWaitMillis = Durations.millis(b.maxWait);
        this.keyBy = b.keyBy;
        double perMilli = (double) b.permits / b.period.toMillis();
        int burst = b.burst > 0 ? b.burst : b.permits;
        this.limiters = new Keyed<>(b.describe("rate limiters"), "limiter",
                key -> new RateLimiter(b.instanceName(key), perMilli, burst, b.clock), b.maxKeys);
        this.rate = b.permits + " per " + b.period;
    }

    /**
     * Allows {@code permits} calls per {@code period} per command type, refusing the rest at once.
     *
     * @param permits at least 1
     * @param period at least a millisecond
     * @return the strategy
     */
    public static RateLimiters of(int permits, Duration period) {
        return builder(permits, period).build();
    }

    /**
     * Starts building rate limiters of {@code permits} calls per {@code period}.
     *
     * @param permits at least 1
     * @param period at least a millisecond
     * @return a builder
     */
    public static Builder builder(int permits, Duration period) {
        if (permits < 1) {
            throw new IllegalArgumentException("permits must be at least 1, but was " + permits);
        }
        Objects.requireNonNull(period, "period");
        if (period.toMillis() < 1) {
            throw new IllegalArgumentException("period must be at least 1 ms, but was " + period);
        }
        return new Builder(permits, period);
    }

    @Override
    public <R> CommandResult<R> decorate(Message message, @Nullable HandlerInfo handler, MessageContext context,
            Call<R> next) throws InterruptedException {
        Object key = keyBy.key(message, handler, context);
        RateLimiter limiter = limiters.get(key);
        if (limiter == null) {
            return CommandResult.failure(limiters.refusal(key));
        }
        long wait = limiter.acquire(maxWaitMillis);
        if (wait < 0) {
            return CommandResult.failure(new FailureCause.RateLimited(limiter.name(), Duration.ofMillis(-wait)));
        }
        if (wait > 0) {
            try {
                if (context.isCancelled()) {
                    throw new InterruptedException("the command was cancelled while it waited for a token");
                }
                context.sleep(Duration.ofMillis(wait));
            } catch (InterruptedException e) {
                limiter.giveBack(); // the reserved token was not used: later callers must not wait for it
                throw e;
            }
        }
        return next.call(context);
    }

    /**
     * Returns the limiter of {@code key} if a call with that key has run.
     *
     * @param key a key as the key function returns it
     * @return the limiter
     */
    public Optional<RateLimiter> limiter(Object key) {
        return Optional.ofNullable(limiters.find(Objects.requireNonNull(key, "key")));
    }

    /**
     * Returns every limiter made so far, by name.
     *
     * @return the limiters
     */
    public Map<String, RateLimiter> limiters() {
        return limiters.byName(RateLimiter::name);
    }

    @Override
    public String toString() {
        return "RateLimiters[" + rate + ", wait " + maxWaitMillis + " ms]";
    }

    /** Builds {@link RateLimiters}; the name, clock, key function and key bound are set as for every keyed strategy. */
    public static final class Builder extends KeyedBuilder<Builder> {

        private final int permits;
        private final Duration period;
        private int burst;
        private Duration maxWait = Duration.ZERO;

        private Builder(int permits, Duration period) {
            this.permits = permits;
            this.period = period;
        }

        /**
         * Sets the most tokens a bucket holds (default {@code permits}: one period's worth).
         *
         * @param burst at least 1
         * @return this builder
         */
        public Builder burst(int burst) {
            if (burst < 1) {
                throw new IllegalArgumentException("burst must be at least 1, but was " + burst);
            }
            this.burst = burst;
            return this;
        }

        /**
         * Sets how long a call may wait for its token (default zero: refused at once).
         *
         * @param maxWait not negative
         * @return this builder
         */
        public Builder maxWait(Duration maxWait) {
            this.maxWait = notNegative("maxWait", maxWait);
            return this;
        }

        @Override
        Builder self() {
            return this;
        }

        /**
         * Builds the strategy.
         *
         * @return the rate limiters
         */
        public RateLimiters build() {
            return new RateLimiters(this);
        }
    }
}
