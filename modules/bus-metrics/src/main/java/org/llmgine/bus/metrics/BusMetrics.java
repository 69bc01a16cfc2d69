package org.llmgine.bus.metrics;

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
import java.util.function.Consumer;
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
 * <p>It is a Micrometer {@code MeterBinder}: {@link #create()} makes one bound to no registry,
 * and {@link #bindTo} binds it, before or after the bus starts (what Spring Boot does with a
 * {@code MeterBinder} bean); counts are kept from the bus's start.
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
    private final LongAdder filtered = new LongAdder();
    private final LongAdder dropped = new LongAdder();
    private final LongAdder unhandled = new LongAdder();
    private final Durations lag = new Durations();
    private final ConcurrentHashMap<RejectionReason, LongAdder> rejected = new ConcurrentHashMap<>();
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

    private BusMetrics(@Nullable MeterRegistry registry, String prefix, boolean histograms, boolean openTelemetry) {
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
     * Makes metrics bound to no registry yet, as a {@code MeterBinder}: add them to the bus's
     * builder, and {@link #bindTo} a registry when there is one (before or after the bus starts;
     * Spring Boot does it for a {@code MeterBinder} bean). Counts are kept from the bus's start;
     * processing-time histograms record from the binding on.
     *
     * <pre>{@code
     * BusMetrics metrics = BusMetrics.create();
     * MessageBus bus = MessageBus.builder().addObserver(metrics).start();
     * metrics.bindTo(registry);
     * }</pre>
     *
     * @return the observer to add to the bus's builder
     */
    public static BusMetrics create() {
        return new BusMetrics(null, "", true, false);
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
        return new BusMetrics(boundRegistry(), prefix, false, openTelemetry);
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
        return new BusMetrics(boundRegistry(), prefix, histograms, true);
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

    /** A counter the hot path increments as a plain adder; Micrometer reads it when it publishes. */
    private LongAdder adder(String name, String description, Tags tags) {
        LongAdder adder = new LongAdder();
        counting(adder, name, description, tags);
        return adder;
    }

    private void counting(LongAdder adder, String name, String description, Tags tags) {
        Tags all = busTags().and(tags);
        register(r -> FunctionCounter.builder(name(name), adder, LongAdder::sum).description(description).tags(all)
                .register(r));
    }

    /** A time without buckets: a count and a total in the module's own adders. */
    private Durations durations(String name, String description, Tags tags) {
        Durations d = new Durations();
        timing(d, name, description, tags);
        return d;
    }

    private void timing(Durations d, String name, String description, Tags tags) {
        Tags all = busTags().and(tags);
        register(r -> FunctionTimer.builder(name(name), d, x -> x.count.sum(), x -> x.totalNanos.sum(),
                TimeUnit.NANOSECONDS).description(description).tags(all).register(r));
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

    /** A bucketed timer, handed to {@code into} once registered (when a registry is bound). */
    private void histogram(String name, String description, Tags tags, Consumer<Timer> into) {
        Tags all = busTags().and(tags);
        register(r -> {
            Timer timer = Timer.builder(name(name)).description(description).tags(all).serviceLevelObjectives(BUCKETS)
                    .distributionStatisticBufferLength(1).register(r);
            into.accept(timer);
            return timer;
        });
    }

    private void gauge(String name, String description, ToDoubleFunction<BusStats> read) {
        MessageBus observed = bus();
        Tags all = busTags();
        register(r -> Gauge.builder(name(name), observed, b -> read.applyAsDouble(b.stats())).description(description)
                .tags(all).strongReference(false).register(r));
    }

    @Override
    Tags tagsOf(MessageBus attached) {
        return openTelemetry ? super.tagsOf(attached).and("messaging.system", "llmgine") : super.tagsOf(attached);
    }

    @Override
    void bind(MessageBus attached) {
        counting(filtered, "events.filtered", "Events a filter declined", Tags.empty());
        counting(dropped, "events.dropped", "Accepted events DROP_OLDEST evicted before their handlers started",
                Tags.empty());
        counting(unhandled, "events.unhandled", "Delivered events that reached no handler", Tags.empty());
        timing(lag, "event.dispatch.lag", "From acceptance to dispatch", Tags.empty());
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
        rejected.computeIfAbsent(reason, r -> adder("events.rejected", "Events refused", Tags.of("reason",
                r.name()))).increment();
    }

    @Override
    public void onFiltered(EventOffer offer, String filter) {
        filtered.increment();
    }

    @Override
    public void onDispatched(MessageView event, long lagNanos) {
        lag.record(lagNanos);
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
        unhandled.increment();
    }

    @Override
    public void onDropped(MessageView event) {
        dropped.increment();
    }

    @Override
    public void onCommandStarted(MessageView command) {
        commands.get(command.type()).sent.increment();
    }

    @Override
    public void onCommandCompleted(MessageView command, long durationNanos, CommandResult<?> result) {
        CommandMeters m = commands.get(command.type());
        Durations plain = m.plainDuration;
        if (plain != null) {
            plain.record(durationNanos);
        } else {
            Timer t = m.duration;
            if (t != null) {
                t.record(durationNanos, TimeUnit.NANOSECONDS);
            }
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
        /** The bucketed timer, once registered (histograms on and a registry bound). */
        volatile @Nullable Timer duration;
        final @Nullable Durations plainDuration;

        EventMeters(Class<?> type) {
            Tags tags = Tags.of(typeTag(type));
            published = adder("events.published", "Events offered to publish", tags);
            processed = adder("events.processed", "Events whose dispatch finished", tags);
            failed = adder("events.failed", "Event handler invocations that threw", tags);
            String description = "Event handler invocation time";
            plainDuration = histograms ? null : durations("event.processing.duration", description, tags);
            if (histograms) {
                histogram("event.processing.duration", description, tags, t -> duration = t);
            }
        }

        void recordDuration(long nanos) {
            Durations plain = plainDuration;
            if (plain != null) {
                plain.record(nanos);
            } else {
                Timer t = duration;
                if (t != null) {
                    t.record(nanos, TimeUnit.NANOSECONDS);
                }
            }
        }
    }

    /** The meters of one command class, made on its first execution. */
    private final class CommandMeters {
        final Tags tags;
        final LongAdder sent;
        final LongAdder processed;
        /** The bucketed timer, once registered (histograms on and a registry bound). */
        volatile @Nullable Timer duration;
        final @Nullable Durations plainDuration;
        final ConcurrentHashMap<Class<?>, LongAdder> failed = new ConcurrentHashMap<>();

        CommandMeters(Class<?> type) {
            tags = Tags.of(typeTag(type));
            sent = adder("commands.sent", "Command executions started", tags);
            processed = adder("commands.processed", "Command executions that succeeded", tags);
            String description = "Command execution time";
            plainDuration = histograms ? null : durations("command.processing.duration", description, tags);
            if (histograms) {
                histogram("command.processing.duration", description, tags, t -> duration = t);
            }
        }

        /** The failure counter of a cause class (a failure is off the hot path: a map lookup is fine). */
        LongAdder failed(Class<?> cause) {
            return failed.computeIfAbsent(cause, c -> adder("commands.failed", "Command executions that failed",
                    tags.and("cause", c.getSimpleName())));
        }
    }
}
