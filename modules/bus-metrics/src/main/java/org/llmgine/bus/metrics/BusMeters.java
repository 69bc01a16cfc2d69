package org.llmgine.bus.metrics;

import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;
import org.llmgine.bus.CloseReport;
import org.llmgine.bus.MessageBus;
import org.llmgine.bus.spi.BusObserver;

/**
 * What the module's meter observers share: one bus per instance (a second is refused, and runs
 * unmetered), the bus tags, the registry (given at creation or later through {@link #bindTo}), the
 * meters registered for that bus, all removed when it closes. Every meter is registered through
 * {@link #register}: at once if a registry is bound, else when one is; so an instance made without
 * a registry counts from the bus's start and shows its meters once bound, in any order of start
 * and binding (as Spring Boot binds {@code MeterBinder} beans). Package-private; its public
 * methods are part of each public observer.
 */
abstract class BusMeters implements BusObserver, MeterBinder {

    private final ReentrantLock lock = new ReentrantLock();
    private @Nullable MeterRegistry registry;
    /** Every registration asked for, kept to run when a registry is bound. */
    private final List<Function<MeterRegistry, ? extends Meter>> registrations = new ArrayList<>();
    private final List<Meter> meters = new CopyOnWriteArrayList<>();
    private volatile Tags busTags = Tags.empty();
    private volatile @Nullable MessageBus bus;
    private boolean closed;

    BusMeters(@Nullable MeterRegistry registry) {
        this.registry = registry;
    }

    /** The registry bound, or null while none is. */
    final @Nullable MeterRegistry boundRegistry() {
        lock.lock();
        try {
            return registry;
        } finally {
            lock.unlock();
        }
    }

    /** The tags of every meter of the bus observed: {@code bus=<name>}, and what {@link #tagsOf} adds. */
    final Tags busTags() {
        return busTags;
    }

    /** The bus observed; only once attached. */
    final MessageBus bus() {
        return Objects.requireNonNull(bus, "not attached to a bus yet");
    }

    /**
     * Registers a meter of the bus: now if a registry is bound, else when one is; kept to be removed
     * at close. Ignored once the bus closed.
     */
    final void register(Function<MeterRegistry, ? extends Meter> registration) {
        lock.lock();
        try {
            if (closed) {
                return;
            }
            registrations.add(registration);
            MeterRegistry r = registry;
            if (r != null) {
                meters.add(registration.apply(r));
            }
        } finally {
            lock.unlock();
        }
    }

    /**
     * Registers this bus's meters in {@code registry}: those of everything seen so far at once, the
     * rest as they appear. Counts kept before the binding are in the meters from the start;
     * processing-time histograms record from the binding on. Binding the registry already bound
     * again does nothing.
     *
     * @param registry the registry
     * @throws IllegalStateException if another registry is bound already (bind a
     *     {@code CompositeMeterRegistry} to publish into several), or the bus has closed
     */
    @Override
    public final void bindTo(MeterRegistry registry) {
        Objects.requireNonNull(registry, "registry");
        lock.lock();
        try {
            MeterRegistry bound = this.registry;
            if (bound == registry) {
                return;
            }
            if (closed) {
                throw new IllegalStateException("this " + getClass().getSimpleName() + "'s bus '"
                        + bus().name() + "' has closed; its meters were removed");
            }
            if (bound != null) {
                throw new IllegalStateException("this " + getClass().getSimpleName() + " is bound to "
                        + bound + " already, not to " + registry
                        + "; bind one CompositeMeterRegistry to publish into several");
            }
            this.registry = registry;
            for (Function<MeterRegistry, ? extends Meter> registration : registrations) {
                meters.add(registration.apply(registry));
            }
        } finally {
            lock.unlock();
        }
    }

    /** The tags of every meter of {@code bus}. */
    Tags tagsOf(MessageBus attached) {
        return Tags.of("bus", attached.name());
    }

    /** Asks for the meters of the bus just attached, through {@link #register}. */
    abstract void bind(MessageBus attached);

    /** Stops what {@link #bind} started, before the meters are removed; nothing by default. */
    void unbind() {
    }

    /**
     * Attaches to the bus and registers its meters (when a registry is bound).
     *
     * @param attached the bus
     * @throws IllegalStateException if this instance already observes another bus
     */
    @Override
    public final void onAttach(MessageBus attached) {
        MessageBus observed = bus;
        if (observed != null) {
            throw new IllegalStateException("this " + getClass().getSimpleName() + " already observes bus '"
                    + observed.name() + "'; make one per bus (bus '" + attached.name() + "')");
        }
        bus = attached;
        busTags = tagsOf(attached);
        bind(attached);
    }

    /**
     * Removes every meter of the bus observed, when it closes.
     *
     * @param closed the bus
     * @param report its close report
     */
    @Override
    public final void onClose(MessageBus closed, CloseReport report) {
        if (closed != bus) {
            return; // a bus this instance refused to observe
        }
        unbind();
        lock.lock();
        try {
            this.closed = true;
            MeterRegistry r = registry;
            if (r != null) {
                meters.forEach(r::remove);
            }
            meters.clear();
            registrations.clear();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Returns false: these observers do not read {@code onDelivered}'s times, so the bus need not
     * keep them.
     *
     * @return false
     */
    @Override
    public final boolean wantsDeliveryTimes() {
        return false;
    }

    /**
     * Returns false: the queue-size gauge reads {@code stats()} when scraped, so the bus need not
     * read the exact size for every event.
     *
     * @return false
     */
    @Override
    public final boolean wantsQueueSizes() {
        return false;
    }

    @Override
    public String toString() {
        MessageBus observed = bus;
        return getClass().getSimpleName() + "[" + (observed == null ? "not attached" : observed.name()) + ", "
                + meters.size() + " meters]";
    }
}
