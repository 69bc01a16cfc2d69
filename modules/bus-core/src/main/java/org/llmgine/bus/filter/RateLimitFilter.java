package org.llmgine.bus.filter;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import org.jspecify.annotations.Nullable;
import org.llmgine.bus.Ticker;
import org.llmgine.bus.message.Event;
import org.llmgine.bus.message.Headers;

/**
 * A token-bucket rate limit: each key (the session, the event class, both, or one global key) has a
 * bucket of {@code burst} tokens refilled at {@code permitsPerSecond}; an event passes if its
 * bucket holds a whole token and takes it.
 *
 * <p>The burst is separate from the rate, so any positive rate works, including rates below one per
 * second ({@code perSecond(0.2)} lets one event through every five seconds with the default burst
 * of one). A new key starts with a full bucket. The key map is bounded: beyond {@code maxKeys} the
 * least recently used key is forgotten, and comes back with a full bucket, exactly as if it had
 * been idle long enough to refill; {@link #evictions()} counts these.
 *
 * <p>Concurrency: one {@link ReentrantLock} guards the key map and every bucket; the critical
 * section is a map lookup and a few arithmetic operations and never blocks. ReentrantLock, not
 * an intrinsic monitor, so a virtual thread waiting for it does not pin its carrier on Java 21.
 */
public final class RateLimitFilter implements EventFilter {

    /** Default burst: {@value}. */
    public static final int DEFAULT_BURST = 1;
    /** Default bound of the key map: {@value}. */
    public static final int DEFAULT_MAX_KEYS = 10_000;

    /** What a bucket is kept per. */
    public enum KeyBy {
        /** One bucket for the whole bus. */
        GLOBAL,
        /** One bucket per session (bus-scope events share one). */
        SESSION,
        /** One bucket per event class. */
        TYPE,
        /** One bucket per session and event class. */
        SESSION_AND_TYPE
    }

    private static final Object BUS_SCOPE = new Object();

    private final double permitsPerNano;
    private final double permitsPerSecond;
    private final int burst;
    private final KeyBy keyBy;
    private final int maxKeys;
    private final Ticker ticker;
    private final ReentrantLock lock = new ReentrantLock();
    private final LinkedHashMap<Object, Bucket> buckets;
    private long evictions;

    private RateLimitFilter(Builder builder) {
        this.permitsPerSecond = builder.permitsPerSecond;
        this.permitsPerNano = builder.permitsPerSecond / TimeUnit.SECONDS.toNanos(1);
        this.burst = builder.burst;
        this.keyBy = builder.keyBy;
        this.maxKeys = builder.maxKeys;
        this.ticker = builder.ticker;
        this.buckets = new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<Object, Bucket> eldest) {
                if (size() > maxKeys) {
                    evictions++;
                    return true;
                }
                return false;
            }
        };
    }

    /**
     * Starts building a rate limit of {@code permitsPerSecond}, per session by default.
     *
     * @param permitsPerSecond the refill rate, positive and finite
     * @return a builder
     * @throws IllegalArgumentException if the rate is not positive and finite
     */
    public static Builder perSecond(double permitsPerSecond) {
        return new Builder(permitsPerSecond);
    }

    @Override
    public boolean accept(Event event, @Nullable String sessionId, Headers headers) {
        Object key = key(event, sessionId);
        long now = ticker.read();
        lock.lock();
        try {
            Bucket bucket = buckets.get(key);
            if (bucket == null) {
                bucket = new Bucket(burst, now);
                buckets.put(key, bucket);
            }
            return bucket.tryTake(now, permitsPerNano, burst);
        } finally {
            lock.unlock();
        }
    }

    @Override
    public String name() {
        return "rateLimit(" + permitsPerSecond + "/s, burst " + burst + ", per " + keyBy + ")";
    }

    /**
     * Returns how many keys are tracked now.
     *
     * @return the number of buckets, at most {@code maxKeys}
     */
    public int trackedKeys() {
        lock.lock();
        try {
            return buckets.size();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Returns how many keys were forgotten because the map was full.
     *
     * @return the eviction count
     */
    public long evictions() {
        lock.lock();
        try {
            return evictions;
        } finally {
            lock.unlock();
        }
    }

    private Object key(Event event, @Nullable String sessionId) {
        Object session = sessionId == null ? BUS_SCOPE : sessionId;
        return switch (keyBy) {
            case GLOBAL -> BUS_SCOPE;
            case SESSION -> session;
            case TYPE -> event.getClass();
            case SESSION_AND_TYPE -> new SessionAndType(session, event.getClass());
        };
    }

    private record SessionAndType(Object session, Class<?> type) {
    }

    /** A token bucket; guarded by the filter's lock. */
    private static final class Bucket {
        private double tokens;
        private long lastRefill;

        Bucket(double tokens, long now) {
            this.tokens = tokens;
            this.lastRefill = now;
        }

        boolean tryTake(long now, double permitsPerNano, int burst) {
            long elapsed = now - lastRefill;
            if (elapsed > 0) {
                tokens = Math.min(burst, tokens + elapsed * permitsPerNano);
                lastRefill = now;
            }
            if (tokens >= 1.0) {
                tokens -= 1.0;
                return true;
            }
            return false;
        }
    }

    /**
     * Builds a {@link RateLimitFilter}.
     */
    public static final class Builder {
        private final double permitsPerSecond;
        private int burst = DEFAULT_BURST;
        private KeyBy keyBy = KeyBy.SESSION;
        private int maxKeys = DEFAULT_MAX_KEYS;
        private Ticker ticker = Ticker.system();

        private Builder(double permitsPerSecond) {
            if (!(permitsPerSecond > 0) || Double.isInfinite(permitsPerSecond)) {
                throw new IllegalArgumentException("permitsPerSecond must be positive and finite, but was "
                        + permitsPerSecond);
            }
            this.permitsPerSecond = permitsPerSecond;
        }

        /**
         * Sets how many events may pass back to back (default {@value #DEFAULT_BURST}).
         *
         * @param burst the bucket size, positive
         * @return this builder
         */
        public Builder burst(int burst) {
            if (burst <= 0) {
                throw new IllegalArgumentException("burst must be positive, but was " + burst);
            }
            this.burst = burst;
            return this;
        }

        /**
         * Sets what a bucket is kept per (default {@link KeyBy#SESSION}).
         *
         * @param keyBy the key
         * @return this builder
         */
        public Builder keyBy(KeyBy keyBy) {
            this.keyBy = Objects.requireNonNull(keyBy, "keyBy");
            return this;
        }

        /**
         * Sets the bound of the key map (default {@value #DEFAULT_MAX_KEYS}).
         *
         * @param maxKeys positive
         * @return this builder
         */
        public Builder maxKeys(int maxKeys) {
            if (maxKeys <= 0) {
                throw new IllegalArgumentException("maxKeys must be positive, but was " + maxKeys);
            }
            this.maxKeys = maxKeys;
            return this;
        }

        /**
         * Sets the time source (default {@link Ticker#system()}).
         *
         * @param ticker the ticker
         * @return this builder
         */
        public Builder ticker(Ticker ticker) {
            this.ticker = Objects.requireNonNull(ticker, "ticker");
            return this;
        }

        /**
         * Builds the filter.
         *
         * @return the filter
         */
        public RateLimitFilter build() {
            return new RateLimitFilter(this);
        }
    }
}
