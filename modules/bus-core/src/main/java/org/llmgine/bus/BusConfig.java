package org.llmgine.bus;

import java.time.Duration;
import java.time.InstantSource;
import java.util.List;
import java.util.Optional;
import org.jspecify.annotations.Nullable;
import org.llmgine.bus.filter.EventFilter;
import org.llmgine.bus.middleware.CommandMiddleware;
import org.llmgine.bus.middleware.EventMiddleware;
import org.llmgine.bus.spi.BusObserver;
import org.llmgine.bus.spi.HeaderPropagator;
import org.llmgine.bus.spi.ScheduledEventStore;

/**
 * The configuration of a bus, made only by {@link MessageBus.Builder} (which validates every value
 * as it is set and names it in the exception); every default is a constant of this class. It is a
 * class with accessors, not a record, so that new settings never break code that reads the
 * existing ones. The builder's setters document each setting.
 */
public final class BusConfig {

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

    /** What a session's close does to its scheduled events by default: {@link ScheduledOnSessionClose#KEEP}. */
    public static final ScheduledOnSessionClose DEFAULT_SCHEDULED_ON_SESSION_CLOSE = ScheduledOnSessionClose.KEEP;
    /** Whether the bus publishes {@code EventUnhandled} by default: {@value}. */
    public static final boolean DEFAULT_PUBLISH_UNHANDLED = false;
    /** How long events may wait on a bus that was never started before it warns once: 5 seconds. */
    public static final Duration DEFAULT_UNSTARTED_WARNING = Duration.ofSeconds(5);

    /** Default interval of the handler-failure log: the same failure is logged at most once per 10 s. */
    public static final Duration DEFAULT_FAILURE_LOG_INTERVAL = Duration.ofSeconds(10);

    private final String name;
    private final int queueCapacity;
    private final int batchSize;
    private final OverflowStrategy overflowStrategy;
    private final Duration publishTimeout;
    private final double highWaterMark;
    private final double lowWaterMark;
    private final Duration adaptiveMaxDelay;
    private final int lifecycleReserve;
    private final int starvationLimit;
    private final ErrorPolicy errorPolicy;
    private final Duration closeTimeout;
    private final boolean filterLifecycleEvents;
    private final ScheduledOnSessionClose scheduledOnSessionClose;
    private final @Nullable Duration sessionIdleTimeout;
    private final @Nullable Duration scheduledStorePollInterval;
    private final boolean publishUnhandled;
    private final Duration unstartedWarning;
    private final Duration failureLogInterval;
    private final InstantSource clock;
    private final Ticker ticker;
    private final List<EventFilter> filters;
    private final List<CommandMiddleware> commandMiddleware;
    private final List<EventMiddleware> eventMiddleware;
    private final List<BusObserver> observers;
    private final List<HeaderPropagator> headerPropagators;
    private final ScheduledEventStore scheduledEventStore;

    /** Made by {@link MessageBus.Builder#config()} from its validated values. */
    BusConfig(MessageBus.Builder b) {
        this.name = b.name;
        this.queueCapacity = b.queueCapacity;
        this.batchSize = b.batchSize;
        this.overflowStrategy = b.overflowStrategy;
        this.publishTimeout = b.publishTimeout;
        this.highWaterMark = b.highWaterMark;
        this.lowWaterMark = b.lowWaterMark;
        this.adaptiveMaxDelay = b.adaptiveMaxDelay;
        this.lifecycleReserve = b.lifecycleReserve;
        this.starvationLimit = b.starvationLimit;
        this.errorPolicy = b.errorPolicy;
        this.closeTimeout = b.closeTimeout;
        this.filterLifecycleEvents = b.filterLifecycleEvents;
        this.scheduledOnSessionClose = b.scheduledOnSessionClose;
        this.sessionIdleTimeout = b.sessionIdleTimeout;
        this.scheduledStorePollInterval = b.scheduledStorePollInterval;
        this.publishUnhandled = b.publishUnhandled;
        this.unstartedWarning = b.unstartedWarning;
        this.failureLogInterval = b.failureLogInterval;
        this.clock = b.clock;
        this.ticker = b.ticker;
        this.filters = List.copyOf(b.filters);
        this.commandMiddleware = List.copyOf(b.commandMiddleware);
        this.eventMiddleware = List.copyOf(b.eventMiddleware);
        this.observers = List.copyOf(b.observers);
        this.headerPropagators = List.copyOf(b.headerPropagators);
        this.scheduledEventStore = b.scheduledEventStore;
    }

    /**
     * Returns the configuration of a bus built with every default.
     *
     * @return the defaults
     */
    public static BusConfig defaults() {
        return MessageBus.builder().config();
    }

    /**
     * Returns the bus name.
     *
     * @return the bus name
     */
    public String name() {
        return name;
    }

    /**
     * Returns the most accepted, unfinished user events the bus holds.
     *
     * @return the most accepted, unfinished user events the bus holds
     */
    public int queueCapacity() {
        return queueCapacity;
    }

    /**
     * Returns how many events a worker takes per lock acquisition.
     *
     * @return how many events a worker takes per lock acquisition
     */
    public int batchSize() {
        return batchSize;
    }

    /**
     * Returns what {@code publish} does when the queue is full.
     *
     * @return what {@code publish} does when the queue is full
     */
    public OverflowStrategy overflowStrategy() {
        return overflowStrategy;
    }

    /**
     * Returns how long BLOCK waits for room.
     *
     * @return how long BLOCK waits for room
     */
    public Duration publishTimeout() {
        return publishTimeout;
    }

    /**
     * Returns the fill fraction at which backpressure turns on.
     *
     * @return the fill fraction at which backpressure turns on
     */
    public double highWaterMark() {
        return highWaterMark;
    }

    /**
     * Returns the fill fraction at which backpressure turns off.
     *
     * @return the fill fraction at which backpressure turns off
     */
    public double lowWaterMark() {
        return lowWaterMark;
    }

    /**
     * Returns the longest ADAPTIVE pause.
     *
     * @return the longest ADAPTIVE pause
     */
    public Duration adaptiveMaxDelay() {
        return adaptiveMaxDelay;
    }

    /**
     * Returns the slots beyond the capacity that lifecycle events may use.
     *
     * @return the slots beyond the capacity that lifecycle events may use
     */
    public int lifecycleReserve() {
        return lifecycleReserve;
    }

    /**
     * Returns how many events may pass an older, less urgent one.
     *
     * @return how many events may pass an older, less urgent one
     */
    public int starvationLimit() {
        return starvationLimit;
    }

    /**
     * Returns the error policy of {@code publishAndWait}.
     *
     * @return the error policy of {@code publishAndWait}
     */
    public ErrorPolicy errorPolicy() {
        return errorPolicy;
    }

    /**
     * Returns how long bus and session close wait for work to drain.
     *
     * @return how long bus and session close wait for work to drain
     */
    public Duration closeTimeout() {
        return closeTimeout;
    }

    /**
     * Returns whether filters also see lifecycle events.
     *
     * @return whether filters also see lifecycle events
     */
    public boolean filterLifecycleEvents() {
        return filterLifecycleEvents;
    }

    /**
     * Returns what a session's close does to its pending scheduled events.
     *
     * @return what a session's close does to its pending scheduled events
     */
    public ScheduledOnSessionClose scheduledOnSessionClose() {
        return scheduledOnSessionClose;
    }

    /**
     * Returns how long a session may go without a publish or execute before the bus closes it.
     *
     * @return the idle timeout, or empty for never
     */
    public Optional<Duration> sessionIdleTimeout() {
        return Optional.ofNullable(sessionIdleTimeout);
    }

    /**
     * Returns how often the bus claims due entries of its scheduled-event store that no instance
     * holds, if it does.
     *
     * @return the interval, or empty if the bus reads the store only at start
     */
    public Optional<Duration> scheduledStorePollInterval() {
        return Optional.ofNullable(scheduledStorePollInterval);
    }

    /**
     * Returns whether events that reach no handler are published as {@code EventUnhandled}.
     *
     * @return whether events that reach no handler are published as {@code EventUnhandled}
     */
    public boolean publishUnhandled() {
        return publishUnhandled;
    }

    /**
     * Returns how long events may wait on a never-started bus before it logs one WARNING.
     *
     * @return how long events may wait on a never-started bus before it logs one WARNING
     */
    public Duration unstartedWarning() {
        return unstartedWarning;
    }

    /**
     * Returns how long the same handler failure (handler, event type, exception type) is only
     * counted after it was logged, before it is logged again with the count; zero logs every one.
     *
     * @return the interval
     */
    public Duration failureLogInterval() {
        return failureLogInterval;
    }

    /**
     * Returns the source of timestamps and due times.
     *
     * @return the source of timestamps and due times
     */
    public InstantSource clock() {
        return clock;
    }

    /**
     * Returns the source of durations.
     *
     * @return the source of durations
     */
    public Ticker ticker() {
        return ticker;
    }

    /**
     * Returns the event filters, in the order they run.
     *
     * @return the event filters, in the order they run
     */
    public List<EventFilter> filters() {
        return filters;
    }

    /**
     * Returns the command middleware, outermost first.
     *
     * @return the command middleware, outermost first
     */
    public List<CommandMiddleware> commandMiddleware() {
        return commandMiddleware;
    }

    /**
     * Returns the event middleware, outermost first.
     *
     * @return the event middleware, outermost first
     */
    public List<EventMiddleware> eventMiddleware() {
        return eventMiddleware;
    }

    /**
     * Returns the observers, in the order they are called.
     *
     * @return the observers, in the order they are called
     */
    public List<BusObserver> observers() {
        return observers;
    }

    /**
     * Returns the header propagators.
     *
     * @return the header propagators, in the order they apply
     */
    public List<HeaderPropagator> headerPropagators() {
        return headerPropagators;
    }

    /**
     * Returns the store of scheduled events.
     *
     * @return the store of scheduled events
     */
    public ScheduledEventStore scheduledEventStore() {
        return scheduledEventStore;
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

    @Override
    public String toString() {
        return "BusConfig[name=" + name + ", queueCapacity=" + queueCapacity + ", overflowStrategy=" + overflowStrategy
                + ", publishTimeout=" + publishTimeout + ", waterMarks=" + highWaterMark + "/" + lowWaterMark
                + ", closeTimeout=" + closeTimeout + "]";
    }
}
