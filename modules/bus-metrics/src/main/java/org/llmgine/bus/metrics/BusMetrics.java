package org.llmgine.bus.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.FunctionTimer;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.ToDoubleFunction;
import org.jspecify.annotations.Nullable;
import org.llmgine.bus.BusStats;
import org.llmgine.bus.MessageBus;
import org.llmgine.bus.RejectionReason;
import org.llmgine.bus.handler.HandlerInfo;
import org.llmgine.bus.message.CommandResult;
import org.llmgine.bus.spi.EventOffer;
import org.llmgine.bus.spi.MessageView;

/**
 * Records a bus's activity into a Micrometer {@link MeterRegistry}: add it to the bus's builder
 * and every meter below appears, tagged {@code bus=<name>}, until the bus closes, when they are
 * removed.
 *
 * <pre>{@code
 * MessageBus bus = MessageBus.builder().addObserver(BusMetrics.of(registry)).start();
 * }</pre>
 *
 * <p>Meters (Micrometer names; Prometheus renders {@code events.published} as
 * {@code events_published_total}, a timer in seconds as {@code ..._seconds}):
 * <ul>
 *   <li>{@code events.published} (type), per event offered to publish; {@code events.processed}
 *       (type), per event whose dispatch finished; {@code events.failed} (type), per handler
 *       invocation that threw; {@code events.rejected} (reason), {@code events.filtered},
 *       {@code events.dropped}, {@code events.unhandled}: the books of {@code stats().events()};</li>
 *   <li>{@code commands.sent} (type), per execution started; {@code commands.processed} (type), per
 *       execution that succeeded; {@code commands.failed} (type, cause), per execution that failed;</li>
 *   <li>{@code event.processing.duration} (type), per handler invocation, and
 *       {@code command.processing.duration} (type), per execution: histograms with buckets from
 *       1 ms to 10 s ({@link #withoutHistograms()}: a count and a total only);
 *       {@code event.dispatch.lag}, from acceptance to dispatch (a count and a total);</li>
 *   <li>gauges read from {@code stats()}: {@code queue.size}, {@code backpressure.active} (1 or 0),
 *       {@code active.sessions}, {@code registered.handlers}, {@code scheduled.pending},
 *       {@code approvals.pending}.</li>
 * </ul>
 * Tags stay bounded: the bus's name, the message's simple class name, the rejection reason or the
 * failure cause's class; never a session id. Meters of a message class are resolved once (a
 * {@link ClassValue}), so recording an event is no map lookup and no allocation. One instance
 * observes one bus.
 */
public final class BusMetrics extends BusMeters {

    /** The buckets of the processing-time histograms: 1 ms to 10 s. */
    static final Duration[] BUCKETS = {Duration.ofMillis(1), Duration.ofMillis(2), Duration.ofMillis(5),
        Duration.ofMillis(10), Duration.ofMillis(25), Duration.ofMillis(50), Duration.ofMillis(100),
        Duration.ofMillis(250), Duration.ofMillis(500), Duration.ofSeconds(1), Duration.ofMillis(2500),
        Duration.ofSeconds(5), Duration.ofSeconds(10)};

    private final String prefix;
    private volatile @Nullable Counter filtered;
    private volatile @Nullable Counter dropped;
    private volatile @Nullable Counter unhandled;
    private volatile @Nullable Durations lag;
    private final ConcurrentHashMap<RejectionReason, Counter> rejected = new ConcurrentHashMap<>();
    private final ClassValue<EventMeters> events = new ClassValue<>() {
        @Override
        protected EventMeters computeValue(Class<?> type) {
            return new EventMeters(type);
        }
    };
    private final ClassValue<CommandMeters> commands = new ClassValue<>() {
        @Override
        protected CommandMeters computeValue(Class<?> type) {
            return new CommandMeters(type);
        }
    };

    private final boolean histograms;
    private final boolean openTelemetry;

    /** The OpenTelemetry messaging names of the meters that have one (semantic conventions, Development). */
    private static final Map<String, String> OPEN_TELEMETRY = Map.of(
            "events.published", "messaging.client.sent.messages",
            "events.processed", "messaging.client.consumed.messages",
            "event.processing.duration", "messaging.process.duration");

    private BusMetrics(MeterRegistry registry, String prefix, boolean histograms, boolean openTelemetry) {
        super(registry);
        this.prefix = prefix;
        this.histograms = histograms;
        this.openTelemetry = openTelemetry;
    }

    /**
     * Records into {@code registry} under the plain names above.
     *
     * @param registry the registry
     * @return the observer to add to the bus's builder
     */
    public static BusMetrics of(MeterRegistry registry) {
        return new BusMetrics(Objects.requireNonNull(registry, "registry"), "", true, false);
    }

    /**
     * Records into {@code registry} with every name prefixed: {@code withPrefix(registry, "llmgine")}
     * gives {@code llmgine.events.published} ({@code llmgine_events_published_total}).
     *
     * @param registry the registry
     * @param prefix a dot-free word, not blank
     * @return the observer to add to the bus's builder
     */
    public static BusMetrics withPrefix(MeterRegistry registry, String prefix) {
        Objects.requireNonNull(registry, "registry");
        Objects.requireNonNull(prefix, "prefix");
        if (prefix.isBlank() || prefix.contains(".") || prefix.contains(" ")) {
            throw new IllegalArgumentException("prefix must be one word without dots or spaces, but was '"
                    + prefix + "'");
        }
        return new BusMetrics(registry, prefix + ".", true, false);
    }

    /**
     * Returns these metrics without the processing-time histograms: handler and command times are
     * then a count and a total ({@code ..._seconds_count}, {@code ..._seconds_sum}), kept in the
     * module's own adders, which costs a fraction of a bucketed Micrometer timer per record (see
     * {@code MetricsBenchmark}).
     *
     * @return metrics that differ only in that
     */
    public BusMetrics withoutHistograms() {
        return new BusMetrics(registry, prefix, false, openTelemetry);
    }

    /**
     * Returns these metrics under OpenTelemetry's messaging names where one exists
     * ({@code messaging.client.sent.messages} for published events,
     * {@code messaging.client.consumed.messages} for processed ones, {@code messaging.process.duration}
     * for handler time; the conventions are still marked Development), the others under
     * {@code llmgine.}, with {@code messaging.system=llmgine} on every meter and the message type as
     * {@code messaging.destination.name}. The prefix, if any, is not used.
     *
     * @return metrics that differ only in their names and tags
     */
    public BusMetrics withOpenTelemetryNames() {
        return new BusMetrics(registry, prefix, histograms, true);
    }

    private Tag typeTag(Class<?> type) {
        return Tag.of(openTelemetry ? "messaging.destination.name" : "type", type.getSimpleName());
    }

    private String name(String name) {
        if (openTelemetry) {
            String standard = OPEN_TELEMETRY.get(name);
            return standard != null ? standard : "llmgine." + name;
        }
        return prefix + name;
    }

    private Counter counter(String name, String description, Tags tags) {
        return keep(Counter.builder(name(name)).description(description).tags(busTags().and(tags)).register(registry));
    }

    /** A counter the hot path increments as a plain adder; Micrometer reads it when it publishes. */
    private LongAdder adder(String name, String description, Tags tags) {
        LongAdder adder = new LongAdder();
        keep(FunctionCounter.builder(name(name), adder, LongAdder::sum).description(description)
                .tags(busTags().and(tags)).register(registry));
        return adder;
    }

    /** A time without buckets: a count and a total in the module's own adders. */
    private Durations durations(String name, String description, Tags tags) {
        Durations d = new Durations();
        keep(FunctionTimer.builder(name(name), d, x -> x.count.sum(), x -> x.totalNanos.sum(), TimeUnit.NANOSECONDS)
                .description(description).tags(busTags().and(tags)).register(registry));
        return d;
    }

    /** The count and total of a time recorded without buckets. */
    private static final class Durations {
        final LongAdder count = new LongAdder();
        final LongAdder totalNanos = new LongAdder();

        void record(long nanos) {
            count.increment();
            totalNanos.add(nanos);
        }
    }

    private Timer histogram(String name, String description, Tags tags) {
        return keep(Timer.builder(name(name)).description(description).tags(busTags().and(tags))
                .serviceLevelObjectives(BUCKETS).distributionStatisticBufferLength(1).register(registry));
    }

    private void gauge(String name, String description, ToDoubleFunction<BusStats> read) {
        MessageBus observed = bus();
        keep(Gauge.builder(name(name), observed, b -> read.applyAsDouble(b.stats())).description(description)
                .tags(busTags()).strongReference(false).register(registry));
    }

    @Override
    Tags tagsOf(MessageBus attached) {
        return openTelemetry ? super.tagsOf(attached).and("messaging.system", "llmgine") : super.tagsOf(attached);
    }

    @Override
    void bind(MessageBus attached) {
        filtered = counter("events.filtered", "Events a filter declined", Tags.empty());
        dropped = counter("events.dropped", "Accepted events DROP_OLDEST evicted before their handlers started",
                Tags.empty());
        unhandled = counter("events.unhandled", "Delivered events that reached no handler", Tags.empty());
        lag = durations("event.dispatch.lag", "From acceptance to dispatch", Tags.empty());
        gauge("queue.size", "Accepted, unfinished events", s -> s.queue().size());
        gauge("backpressure.active", "1 while backpressure is on, else 0", s -> s.queue().backpressureActive() ? 1 : 0);
        gauge("active.sessions", "Open sessions", s -> s.sessions().active());
        gauge("registered.handlers", "Event and command handlers registered, in every scope",
                s -> s.sessions().registeredHandlers());
        gauge("scheduled.pending", "Scheduled events waiting for their due time", s -> s.scheduled().pending());
        gauge("approvals.pending", "Approval commands waiting for a decision", s -> s.approvals().pending());
    }

    @Override
    public void onPublished(EventOffer offer) {
        events.get(offer.type()).published.increment();
    }

    @Override
    public void onRejected(EventOffer offer, RejectionReason reason) {
        rejected.computeIfAbsent(reason, r -> counter("events.rejected", "Events refused", Tags.of("reason",
                r.name()))).increment();
    }

    @Override
    public void onFiltered(EventOffer offer, String filter) {
        Counter c = filtered;
        if (c != null) {
            c.increment();
        }
    }

    @Override
    public void onDispatched(MessageView event, long lagNanos) {
        Durations d = lag;
        if (d != null) {
            d.record(lagNanos);
        }
    }

    @Override
    public void onHandlerCompleted(MessageView event, HandlerInfo handler, long durationNanos,
            @Nullable Throwable failure) {
        EventMeters m = events.get(event.type());
        m.recordDuration(durationNanos);
        if (failure != null) {
            m.failed.increment();
        }
    }

    @Override
    public void onDelivered(MessageView event, int handlersInvoked, long processingNanos, long endToEndNanos,
            int queueSize) {
        events.get(event.type()).processed.increment();
    }

    @Override
    public void onUnhandled(MessageView event) {
        Counter c = unhandled;
        if (c != null) {
            c.increment();
        }
    }

    @Override
    public void onDropped(MessageView event) {
        Counter c = dropped;
        if (c != null) {
            c.increment();
        }
    }

    @Override
    public void onCommandStarted(MessageView command) {
        commands.get(command.type()).sent.increment();
    }

    @Override
    public void onCommandCompleted(MessageView command, long durationNanos, CommandResult<?> result) {
        CommandMeters m = commands.get(command.type());
        Timer t = m.duration;
        if (t != null) {
            t.record(durationNanos, TimeUnit.NANOSECONDS);
        } else {
            Objects.requireNonNull(m.plainDuration).record(durationNanos);
        }
        if (result instanceof CommandResult.Failure<?> failure) {
            m.failed(failure.cause().getClass()).increment();
        } else {
            m.processed.increment();
        }
    }

    /** The meters of one event class, made on its first event. */
    private final class EventMeters {
        final LongAdder published;
        final LongAdder processed;
        final LongAdder failed;
        final @Nullable Timer duration;
        final @Nullable Durations plainDuration;

        EventMeters(Class<?> type) {
            Tags tags = Tags.of(typeTag(type));
            published = adder("events.published", "Events offered to publish", tags);
            processed = adder("events.processed", "Events whose dispatch finished", tags);
            failed = adder("events.failed", "Event handler invocations that threw", tags);
            String description = "Event handler invocation time";
            duration = histograms ? histogram("event.processing.duration", description, tags) : null;
            plainDuration = histograms ? null : durations("event.processing.duration", description, tags);
        }

        void recordDuration(long nanos) {
            Timer t = duration;
            if (t != null) {
                t.record(nanos, TimeUnit.NANOSECONDS);
            } else {
                Objects.requireNonNull(plainDuration).record(nanos);
            }
        }
    }

    /** The meters of one command class, made on its first execution. */
    private final class CommandMeters {
        final Tags tags;
        final Counter sent;
        final Counter processed;
        final @Nullable Timer duration;
        final @Nullable Durations plainDuration;
        final ConcurrentHashMap<Class<?>, Counter> failed = new ConcurrentHashMap<>();

        CommandMeters(Class<?> type) {
            tags = Tags.of(typeTag(type));
            sent = counter("commands.sent", "Command executions started", tags);
            processed = counter("commands.processed", "Command executions that succeeded", tags);
            duration = histograms ? histogram("command.processing.duration", "Command execution time", tags) : null;
            plainDuration = histograms ? null : durations("command.processing.duration", "Command execution time", tags);
        }

        /** The failure counter of a cause class (a failure is off the hot path: a map lookup is fine). */
        Counter failed(Class<?> cause) {
            return failed.computeIfAbsent(cause, c -> counter("commands.failed", "Command executions that failed",
                    tags.and("cause", c.getSimpleName())));
        }
    }
}
