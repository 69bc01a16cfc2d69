package org.llmgine.bus;

import java.time.Duration;
import java.time.InstantSource;
import java.util.Objects;
import org.llmgine.bus.internal.Checks;

/**
 * The scalar configuration of a bus. Build one through {@link MessageBus#builder()}; every value
 * is validated here, and every default is a constant of this class.
 *
 * @param name the bus name, used in thread names, logs and error messages
 * @param queueCapacity how many accepted, unfinished events the bus holds at most (lifecycle events
 *     may also use the {@code lifecycleReserve})
 * @param batchSize how many events the dispatcher (and each session lane) takes per lock
 *     acquisition; it never waits for a batch to fill
 * @param overflowStrategy what {@code publish} does when the queue is full
 * @param publishTimeout how long {@link OverflowStrategy#BLOCK} waits for room before rejecting
 * @param highWaterMark the fill fraction at which backpressure turns on (and {@link
 *     OverflowStrategy#ADAPTIVE} slows producers the most)
 * @param lowWaterMark the fill fraction at which backpressure turns off again (and below which
 *     ADAPTIVE does not slow producers); {@code 0 < lowWaterMark < highWaterMark <= 1}
 * @param adaptiveMaxDelay the longest pause {@link OverflowStrategy#ADAPTIVE} imposes on a publish
 * @param lifecycleReserve how many slots beyond {@code queueCapacity} the bus's own lifecycle events
 *     may use, so that notifications about an overloaded queue (a dropped event, a handler failure)
 *     are not lost to the overload they report; 0 disables the reserve
 * @param starvationLimit how many events may be dispatched ahead of an older, less urgent one
 *     before the oldest waiting event goes next
 * @param errorPolicy whether {@code publishAndWait} throws on handler failures
 * @param closeTimeout how long {@code close()} and a session's close wait for work to drain
 * @param filterLifecycleEvents whether event filters also see the bus's lifecycle events
 * @param clock the source of message timestamps and of due times of scheduled events
 * @param ticker the source of durations
 */
public record BusConfig(String name, int queueCapacity, int batchSize, OverflowStrategy overflowStrategy,
        Duration publishTimeout, double highWaterMark, double lowWaterMark, Duration adaptiveMaxDelay,
        int lifecycleReserve, int starvationLimit, ErrorPolicy errorPolicy, Duration closeTimeout,
        boolean filterLifecycleEvents, InstantSource clock, Ticker ticker) {

    /** Default bus name: {@value}. */
    public static final String DEFAULT_NAME = "bus";
    /** Default queue capacity: {@value}. */
    public static final int DEFAULT_QUEUE_CAPACITY = 10_000;
    /** Default batch size: {@value}. */
    public static final int DEFAULT_BATCH_SIZE = 256;
    /** Default overflow strategy: {@link OverflowStrategy#BLOCK}. */
    public static final OverflowStrategy DEFAULT_OVERFLOW_STRATEGY = OverflowStrategy.BLOCK;
    /** Default publish timeout of the BLOCK strategy: 1 second. */
    public static final Duration DEFAULT_PUBLISH_TIMEOUT = Duration.ofSeconds(1);
    /** Default high water mark: {@value}. */
    public static final double DEFAULT_HIGH_WATER_MARK = 0.8;
    /** Default low water mark: {@value}. */
    public static final double DEFAULT_LOW_WATER_MARK = 0.5;
    /** Default longest ADAPTIVE pause: 10 milliseconds. */
    public static final Duration DEFAULT_ADAPTIVE_MAX_DELAY = Duration.ofMillis(10);
    /** Default lifecycle reserve: {@value} slots. */
    public static final int DEFAULT_LIFECYCLE_RESERVE = 64;
    /** Default starvation limit: {@value} events. */
    public static final int DEFAULT_STARVATION_LIMIT = 8;
    /** Default error policy: {@link ErrorPolicy#SUPPRESS}. */
    public static final ErrorPolicy DEFAULT_ERROR_POLICY = ErrorPolicy.SUPPRESS;
    /** Default close timeout: 10 seconds. */
    public static final Duration DEFAULT_CLOSE_TIMEOUT = Duration.ofSeconds(10);
    /** Whether filters see lifecycle events by default: {@value}. */
    public static final boolean DEFAULT_FILTER_LIFECYCLE_EVENTS = false;

    /**
     * Validates the configuration.
     *
     * @param name the bus name, not blank
     * @param queueCapacity positive
     * @param batchSize positive
     * @param overflowStrategy the strategy
     * @param publishTimeout not negative
     * @param highWaterMark in (lowWaterMark, 1]
     * @param lowWaterMark in (0, highWaterMark)
     * @param adaptiveMaxDelay not negative
     * @param lifecycleReserve not negative
     * @param starvationLimit positive
     * @param errorPolicy the policy
     * @param closeTimeout not negative
     * @param filterLifecycleEvents whether filters see lifecycle events
     * @param clock the timestamp source
     * @param ticker the duration source
     * @throws IllegalArgumentException naming the field and the value when a value is invalid
     */
    public BusConfig {
        Checks.notBlank("name", name);
        Checks.positive("queueCapacity", queueCapacity);
        Checks.positive("batchSize", batchSize);
        Objects.requireNonNull(overflowStrategy, "overflowStrategy");
        Checks.notNegative("publishTimeout", publishTimeout);
        checkWaterMarks(highWaterMark, lowWaterMark);
        Checks.notNegative("adaptiveMaxDelay", adaptiveMaxDelay);
        Checks.notNegative("lifecycleReserve", lifecycleReserve);
        Checks.positive("starvationLimit", starvationLimit);
        Objects.requireNonNull(errorPolicy, "errorPolicy");
        Checks.notNegative("closeTimeout", closeTimeout);
        Objects.requireNonNull(clock, "clock");
        Objects.requireNonNull(ticker, "ticker");
    }

    /**
     * Returns the default configuration.
     *
     * @return the defaults, with the system clock and ticker
     */
    public static BusConfig defaults() {
        return MessageBus.builder().config();
    }

    /**
     * Returns the queue size at which backpressure turns on: {@code floor(queueCapacity ×
     * highWaterMark)}, at least 1.
     *
     * @return the high mark in events
     */
    public int highMark() {
        return Math.max(1, (int) Math.floor(queueCapacity * highWaterMark + 1e-9));
    }

    /**
     * Returns the queue size at or below which backpressure turns off again: {@code
     * floor(queueCapacity × lowWaterMark)}, below the high mark.
     *
     * @return the low mark in events
     */
    public int lowMark() {
        return Math.min(highMark() - 1, (int) Math.floor(queueCapacity * lowWaterMark + 1e-9));
    }

    static void checkWaterMarks(double high, double low) {
        if (!(low > 0 && low < high && high <= 1)) {
            throw new IllegalArgumentException("water marks must satisfy 0 < lowWaterMark < highWaterMark <= 1, but"
                    + " lowWaterMark was " + low + " and highWaterMark was " + high);
        }
    }
}
