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
 * @param queueCapacity how many accepted, unfinished events the bus holds at most
 * @param batchSize how many events the dispatcher (and each session lane) takes per lock
 *     acquisition; it never waits for a batch to fill
 * @param overflowStrategy what {@code publish} does when the queue is full
 * @param publishTimeout how long {@link OverflowStrategy#BLOCK} waits for room before rejecting
 * @param errorPolicy whether {@code publishAndWait} throws on handler failures
 * @param closeTimeout how long {@code close()} and a session's close wait for work to drain
 * @param filterLifecycleEvents whether event filters also see the bus's lifecycle events
 * @param clock the source of message timestamps
 * @param ticker the source of durations
 */
public record BusConfig(String name, int queueCapacity, int batchSize, OverflowStrategy overflowStrategy,
        Duration publishTimeout, ErrorPolicy errorPolicy, Duration closeTimeout, boolean filterLifecycleEvents,
        InstantSource clock, Ticker ticker) {

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
        return new BusConfig(DEFAULT_NAME, DEFAULT_QUEUE_CAPACITY, DEFAULT_BATCH_SIZE, DEFAULT_OVERFLOW_STRATEGY,
                DEFAULT_PUBLISH_TIMEOUT, DEFAULT_ERROR_POLICY, DEFAULT_CLOSE_TIMEOUT, DEFAULT_FILTER_LIFECYCLE_EVENTS,
                InstantSource.system(), Ticker.system());
    }
}
