package org.llmgine.bus.resilience;

import java.time.Duration;

/** Duration arithmetic that saturates instead of overflowing, for limits that may be "forever". */
final class Durations {

    private Durations() {
    }

    /** The duration in milliseconds, {@code Long.MAX_VALUE} for one too long to count them. */
    static long millis(Duration duration) {
        try {
            return duration.toMillis();
        } catch (ArithmeticException e) {
            return duration.isNegative() ? Long.MIN_VALUE : Long.MAX_VALUE;
        }
    }

    /** {@code a + b} for non-negative {@code b}, at most {@code Long.MAX_VALUE}. */
    static long plus(long a, long b) {
        long sum = a + b;
        return b > 0 && sum < a ? Long.MAX_VALUE : sum;
    }
}
