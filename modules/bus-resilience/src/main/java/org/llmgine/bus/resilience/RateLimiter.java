package org.llmgine.bus.resilience;

import java.time.InstantSource;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.ReentrantLock;

/**
 * One token bucket: {@code permits} per period, holding at most {@code burst} tokens. A call takes a
 * token; with none left it may reserve the next one and wait for it (the reservation puts the
 * bucket in debt, so callers are served in order), or it is refused with the time until a token
 * will be there. {@link RateLimiters} makes one per key (per model provider, for a provider's
 * quota); this class is its state and snapshot. Refilled lazily on the injected clock, in
 * milliseconds; a ReentrantLock guards the bucket (a few arithmetic operations).
 */
public final class RateLimiter {

    /**
     * What a bucket holds at one moment.
     *
     * @param name its name
     * @param tokens tokens available now (negative while calls wait for reserved ones)
     * @param refused calls refused so far
     */
    public record Snapshot(String name, double tokens, long refused) {
    }

    private final String name;
    private final double perMilli;
    private final int burst;
    private final InstantSource clock;
    private final ReentrantLock lock = new ReentrantLock();
    private final LongAdder refused = new LongAdder();
    private double tokens;
    private long refilledAt;

    RateLimiter(String name, double perMilli, int burst, InstantSource clock) {
        this.name = name;
        this.perMilli = perMilli;
        this.burst = burst;
        this.clock = clock;
        this.tokens = burst;
        this.refilledAt = clock.millis();
    }

    /**
     * Returns the limiter's name.
     *
     * @return the name
     */
    public String name() {
        return name;
    }

    /**
     * Returns what the bucket holds now.
     *
     * @return a snapshot
     */
    public Snapshot snapshot() {
        lock.lock();
        try {
            refill(clock.millis());
            return new Snapshot(name, tokens, refused.sum());
        } finally {
            lock.unlock();
        }
    }

    /**
     * Takes a token: 0 if one was there, a positive wait in milliseconds if the next one is
     * reserved for the caller (at most {@code maxWaitMillis}), or minus the wait if refused.
     */
    long acquire(long maxWaitMillis) {
        lock.lock();
        try {
            refill(clock.millis());
            if (tokens >= 1) {
                tokens -= 1;
                return 0;
            }
            long wait = Math.max(1, (long) Math.ceil((1 - tokens) / perMilli));
            if (wait <= maxWaitMillis) {
                tokens -= 1;
                return wait;
            }
            refused.increment();
            return -wait;
        } finally {
            lock.unlock();
        }
    }

    /** Returns a reserved token that was not used (its caller was cancelled while it waited). */
    void giveBack() {
        lock.lock();
        try {
            tokens = Math.min(burst, tokens + 1);
        } finally {
            lock.unlock();
        }
    }

    private void refill(long now) {
        long elapsed = now - refilledAt;
        if (elapsed > 0) {
            tokens = Math.min(burst, tokens + elapsed * perMilli);
            refilledAt = now;
        }
    }

    @Override
    public String toString() {
        return "RateLimiter[" + name + "]";
    }
}
