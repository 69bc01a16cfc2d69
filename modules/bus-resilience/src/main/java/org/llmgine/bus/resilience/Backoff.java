package org.llmgine.bus.resilience;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import org.llmgine.bus.message.FailureCause;

/**
 * The delay before a retry, as a pure function of the retry's number, the policy, the failure and
 * a uniform draw: exponential backoff ({@code initialDelay × multiplier^(retry-1)}, capped at
 * {@code maxDelay}), with full jitter (the delay drawn uniformly from {@code [0, backoff]}) when the
 * policy asks for it, unless the failure names its own delay (a provider's Retry-After), which
 * wins. No state and no clock: the caller draws the random number and waits on the bus's time.
 */
public final class Backoff {

    private Backoff() {
    }

    /**
     * Returns the backoff before retry {@code retry}, without jitter and without the failure's own
     * delay.
     *
     * @param policy the policy
     * @param retry the retry's number: 1 for the first retry (the second attempt)
     * @return {@code min(maxDelay, initialDelay × multiplier^(retry-1))}
     * @throws IllegalArgumentException if {@code retry} is less than 1
     */
    public static Duration backoff(RetryPolicy policy, int retry) {
        Objects.requireNonNull(policy, "policy");
        if (retry < 1) {
            throw new IllegalArgumentException("retry must be at least 1, but was " + retry);
        }
        double nanos = saturatedNanos(policy.initialDelay()) * Math.pow(policy.multiplier(), retry - 1);
        long cap = saturatedNanos(policy.maxDelay());
        return nanos >= cap ? policy.maxDelay() : Duration.ofNanos((long) nanos);
    }

    /**
     * Returns the delay before retry {@code retry} after {@code cause}.
     *
     * @param policy the policy
     * @param retry the retry's number, at least 1
     * @param cause the failure of the attempt before
     * @param uniform a draw from {@code [0, 1)}, used only with jitter
     * @return the failure's own delay if it names one, else the backoff, times {@code uniform} with
     *     jitter
     * @throws IllegalArgumentException if {@code uniform} is outside {@code [0, 1)} or
     *     {@code retry} is less than 1
     */
    public static Duration delay(RetryPolicy policy, int retry, FailureCause cause, double uniform) {
        Objects.requireNonNull(cause, "cause");
        if (!(uniform >= 0.0 && uniform < 1.0)) {
            throw new IllegalArgumentException("uniform must be in [0, 1), but was " + uniform);
        }
        Duration base = backoff(policy, retry);
        Optional<Duration> named = policy.delayFrom(cause);
        if (named.isPresent()) {
            Duration retryAfter = named.get();
            return retryAfter.isNegative() ? Duration.ZERO : retryAfter;
        }
        return policy.jitter() ? Duration.ofNanos((long) (saturatedNanos(base) * uniform)) : base;
    }

    private static long saturatedNanos(Duration duration) {
        try {
            return duration.toNanos();
        } catch (ArithmeticException e) {
            return Long.MAX_VALUE;
        }
    }
}
