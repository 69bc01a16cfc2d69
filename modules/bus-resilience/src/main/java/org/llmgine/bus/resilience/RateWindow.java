package org.llmgine.bus.resilience;

/**
 * The outcomes a circuit breaker's rate rules look at: the last N calls (a ring of outcomes) or
 * the calls of the last N seconds (one bucket per second). Running totals make every read O(1);
 * a time window drops expired buckets when the second changes. Not thread-safe: the breaker's
 * lock guards it.
 */
final class RateWindow {

    private static final byte FAILED = 1;
    private static final byte SLOW = 2;

    private final boolean timeBased;
    private final int size;
    // count window
    private final byte[] outcomes;
    private int filled;
    private int next;
    // time window
    private final long[] bucketSecond;
    private final int[] bucketCalls;
    private final int[] bucketFailures;
    private final int[] bucketSlows;
    private long lastSecond = Long.MIN_VALUE;
    // totals over the window
    private int calls;
    private int failures;
    private int slows;

    RateWindow(CircuitBreakerConfig.WindowType type, int size) {
        this.timeBased = type == CircuitBreakerConfig.WindowType.TIME;
        this.size = size;
        this.outcomes = timeBased ? new byte[0] : new byte[size];
        int buckets = timeBased ? size : 0;
        this.bucketSecond = new long[buckets];
        this.bucketCalls = new int[buckets];
        this.bucketFailures = new int[buckets];
        this.bucketSlows = new int[buckets];
        java.util.Arrays.fill(bucketSecond, Long.MIN_VALUE);
    }

    void record(long nowMillis, boolean failed, boolean slow) {
        if (timeBased) {
            long second = Math.floorDiv(nowMillis, 1000);
            expire(second);
            int i = (int) Math.floorMod(second, (long) size);
            if (bucketSecond[i] != second) {
                // a bucket of another second (older, or newer after the clock stepped back): its
                // counts leave the totals before it is reused
                calls -= bucketCalls[i];
                failures -= bucketFailures[i];
                slows -= bucketSlows[i];
                bucketSecond[i] = second;
                bucketCalls[i] = 0;
                bucketFailures[i] = 0;
                bucketSlows[i] = 0;
            }
            bucketCalls[i]++;
            calls++;
            if (failed) {
                bucketFailures[i]++;
                failures++;
            }
            if (slow) {
                bucketSlows[i]++;
                slows++;
            }
            return;
        }
        if (filled == size) {
            byte old = outcomes[next];
            calls--;
            if ((old & FAILED) != 0) {
                failures--;
            }
            if ((old & SLOW) != 0) {
                slows--;
            }
        } else {
            filled++;
        }
        outcomes[next] = (byte) ((failed ? FAILED : 0) | (slow ? SLOW : 0));
        next = next + 1 == size ? 0 : next + 1;
        calls++;
        if (failed) {
            failures++;
        }
        if (slow) {
            slows++;
        }
    }

    /**
     * Drops the buckets outside the window (older than it, or after now if the clock stepped back);
     * only when the second has changed.
     */
    private void expire(long second) {
        if (second == lastSecond) {
            return;
        }
        lastSecond = second;
        for (int i = 0; i < size; i++) {
            if (bucketSecond[i] != Long.MIN_VALUE && (bucketSecond[i] <= second - size || bucketSecond[i] > second)) {
                calls -= bucketCalls[i];
                failures -= bucketFailures[i];
                slows -= bucketSlows[i];
                bucketSecond[i] = Long.MIN_VALUE;
                bucketCalls[i] = 0;
                bucketFailures[i] = 0;
                bucketSlows[i] = 0;
            }
        }
    }

    int calls(long nowMillis) {
        if (timeBased) {
            expire(Math.floorDiv(nowMillis, 1000));
        }
        return calls;
    }

    double failureRate(long nowMillis) {
        int n = calls(nowMillis);
        return n == 0 ? 0 : (double) failures / n;
    }

    double slowRate(long nowMillis) {
        int n = calls(nowMillis);
        return n == 0 ? 0 : (double) slows / n;
    }

    void clear() {
        java.util.Arrays.fill(outcomes, (byte) 0);
        filled = 0;
        next = 0;
        java.util.Arrays.fill(bucketSecond, Long.MIN_VALUE);
        java.util.Arrays.fill(bucketCalls, 0);
        java.util.Arrays.fill(bucketFailures, 0);
        java.util.Arrays.fill(bucketSlows, 0);
        calls = 0;
        failures = 0;
        slows = 0;
    }
}
