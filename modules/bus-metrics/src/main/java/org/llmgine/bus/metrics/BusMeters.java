package org.llmgine.bus.metrics;

import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import org.jspecify.annotations.Nullable;
import org.llmgine.bus.CloseReport;
import org.llmgine.bus.MessageBus;
import org.llmgine.bus.spi.BusObserver;

/**
 * What the module's meter observers share: one bus per instance (a second is refused, and runs
 * unmetered), the bus tags, the meters registered for that bus, all removed when it closes.
 * Package-private; its public methods are part of each public observer.
 */
abstract class BusMeters implements BusObserver {

    final MeterRegistry registry;
    private final List<Meter> meters = new CopyOnWriteArrayList<>();
    private volatile Tags busTags = Tags.empty();
    private volatile @Nullable MessageBus bus;

    BusMeters(MeterRegistry registry) {
        this.registry = Objects.requireNonNull(registry, "registry");
    }

    /** The tags of every meter of the bus observed: {@code bus=<name>}, and what {@link #tagsOf} adds. */
    final Tags busTags() {
        return busTags;
    }

    /** The bus observed; only once attached. */
    final MessageBus bus() {
        return Objects.requireNonNull(bus, "not attached to a bus yet");
    }

    /** Keeps a meter registered for the bus, to remove it at close. */
    final <M extends Meter> M keep(M meter) {
        meters.add(meter);
        return meter;
    }

    /** The tags of every meter of {@code bus}. */
    Tags tagsOf(MessageBus attached) {
        return Tags.of("bus", attached.name());
    }

    /** Registers the meters of the bus just attached. */
    abstract void bind(MessageBus attached);

    /** Stops what {@link #bind} started, before the meters are removed; nothing by default. */
    void unbind() {
    }

    /**
     * Attaches to the bus and registers its meters.
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
        meters.forEach(registry::remove);
        meters.clear();
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
