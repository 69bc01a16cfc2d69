package org.llmgine.bus.internal;

import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import org.jspecify.annotations.Nullable;
import org.llmgine.bus.BusConfig;
import org.llmgine.bus.BusState;
import org.llmgine.bus.DeliveryOutcome;
import org.llmgine.bus.ErrorPolicy;
import org.llmgine.bus.EventDeliveryException;
import org.llmgine.bus.OverflowStrategy;
import org.llmgine.bus.PublishOptions;
import org.llmgine.bus.PublishOutcome;
import org.llmgine.bus.RejectionReason;
import org.llmgine.bus.WouldDeadlockException;
import org.llmgine.bus.filter.EventFilter;
import org.llmgine.bus.handler.Priority;
import org.llmgine.bus.message.Event;
import org.llmgine.bus.message.EventDropped;
import org.llmgine.bus.message.Headers;
import org.llmgine.bus.message.LifecycleEvent;
import org.llmgine.bus.message.MessageId;
import org.llmgine.bus.spi.EventOffer;

/**
 * The publish path of one bus: the published count, filters, ADAPTIVE pacing, the envelope, the
 * offer to the event's {@link Lane} under the {@link Admission} bound, observer callbacks, and the
 * report of an eviction. Every way an event enters the bus goes through {@link #publish}: from a
 * caller, from in-flight work, from the bus itself (lifecycle events), from the timer (scheduled
 * events), and {@code publishAndWait}. There is no dispatcher hop: an accepted event is in its
 * lane's mailbox when {@code publish} returns.
 *
 * <p>Thread-safe: it holds no mutable state besides {@link LongAdder} counters and a once-only
 * flag; the lanes and the admission bound do the synchronization.
 */
final class Publisher {

    private static final System.Logger LOG = System.getLogger("org.llmgine.bus");

    private final DefaultMessageBus bus;
    private final BusConfig config;
    private final Admission admission;
    private final @Nullable Evictions evictions;
    private final Timestamps timestamps;
    private final Observers observers;
    private final EventFilter[] filters;
    private final HeaderPropagation propagation;
    private final long publishWaitNanos;
    private final boolean adaptive;
    private final long adaptiveMaxNanos;
    private final LongAdder published = new LongAdder();
    private final LongAdder filtered = new LongAdder();
    private final LongAdder lifecycleRejected = new LongAdder();
    private final AtomicBoolean lifecycleLossLogged = new AtomicBoolean();
    private final LongAdder throttled = new LongAdder();
    /** Set once by start: until then an accepted event arms the never-started warning (one field read per publish). */
    private volatile boolean started;

    Publisher(DefaultMessageBus bus, BusConfig config, Observers observers, EventFilter[] filters) {
        this.bus = bus;
        this.config = config;
        this.admission = bus.admission();
        this.evictions = bus.evictions();
        this.timestamps = bus.timestamps();
        this.observers = observers;
        this.filters = filters;
        this.propagation = new HeaderPropagation(config.headerPropagators(), config.name());
        this.publishWaitNanos = config.overflowStrategy() == OverflowStrategy.BLOCK ? config.publishTimeout().toNanos() : 0L;
        this.adaptive = config.overflowStrategy() == OverflowStrategy.ADAPTIVE;
        this.adaptiveMaxNanos = config.adaptiveMaxDelay().toNanos();
    }

    /** The bus started: events no longer wait for it. */
    void started() {
        started = true;
    }

    long published() {
        return published.sum();
    }

    long filtered() {
        return filtered.sum();
    }

    long lifecycleRejected() {
        return lifecycleRejected.sum();
    }

    long throttled() {
        return throttled.sum();
    }

    /** Publish from the bus or session API. */
    PublishOutcome fromCaller(Lane lane, Event event, PublishOptions options) {
        return publish(lane, event, options.headers(), options.priority(), Admission.FROM_CALLER, null, null);
    }

    /**
     * A publish into a scope that is closed (or closing, for outside callers): counted as published
     * and rejected like any refusal, so closing is reported the same way whatever the timing.
     */
    PublishOutcome refused(Lane lane, Event event, Headers headers, int priority, RejectionReason reason,
            String detail) {
        published.increment();
        EventOffer offer = observers.active ? observers.offer(event, lane.sessionId, headers, priority) : null;
        if (offer != null) {
            observers.published(offer);
        }
        admission.countRejected();
        if (offer != null) {
            observers.rejected(offer, reason);
        }
        return new PublishOutcome.Rejected(reason, detail);
    }

    /**
     * Publish through a handler's or command's context: in-flight work of {@code lane}, admitted
     * while the bus or the session drains, never waiting for room if {@code origin} holds a slot.
     */
    PublishOutcome fromWork(Lane lane, Event event, Headers headers, int priority, Binding origin) {
        return publish(lane, event, headers, priority, Admission.FROM_WORK, null, origin);
    }

    /**
     * Publishes a lifecycle event, admitted while the bus or its session drains. It never waits for
     * room and may use the lifecycle reserve; if even that is full, the loss is counted apart and
     * logged once at WARNING.
     */
    PublishOutcome lifecycle(Lane lane, LifecycleEvent event, Headers headers) {
        PublishOutcome outcome = publish(lane, event, headers, Priority.NORMAL, Admission.FROM_BUS, null, null);
        if (outcome instanceof PublishOutcome.Rejected rejected) {
            lifecycleRejected.increment();
            Level level = lifecycleLossLogged.compareAndSet(false, true) ? Level.WARNING : Level.DEBUG;
            LOG.log(level, () -> "bus '" + bus.name() + "' could not queue lifecycle event "
                    + event.getClass().getSimpleName() + ": " + rejected.detail()
                    + (level == Level.WARNING ? " (logged once; stats().events().lifecycleRejected() counts every such loss)" : ""));
        }
        return outcome;
    }

    /** Publishes a scheduled event that fell due, from the timer thread. */
    PublishOutcome due(Lane lane, Event event, Headers headers, int priority, Waiter settled) {
        return publish(lane, event, headers, priority, Admission.FROM_TIMER, settled, null);
    }

    /**
     * The one publish path.
     *
     * @param origin the binding of the work publishing through its context, or null to go by the
     *     current thread's
     */
    private PublishOutcome publish(Lane lane, Event event, Headers given, int priority, int source,
            @Nullable Waiter waiter, @Nullable Binding origin) {
        published.increment();
        Headers headers = propagation.active && (source == Admission.FROM_CALLER || source == Admission.FROM_WORK)
                ? propagation.apply(event, lane.sessionId, given) : given;
        Class<? extends Event> type = event.getClass();
        EventOffer offer = null;
        if (observers.active) {
            offer = observers.offer(event, lane.sessionId, headers, priority);
            observers.published(offer);
        }
        if (filters.length > 0 && (source != Admission.FROM_BUS || config.filterLifecycleEvents())) {
            PublishOutcome declined = applyFilters(lane, event, headers, offer);
            if (declined != null) {
                return declined;
            }
        }
        if (adaptive && (source == Admission.FROM_CALLER || source == Admission.FROM_WORK)) {
            pace(origin);
        }
        boolean notice = source == Admission.FROM_BUS;
        Delivery delivery = evictions != null && !notice ? new EvictableDelivery(event, lane, headers, priority, waiter)
                : new Delivery(event, lane, headers, priority, notice, waiter);
        timestamps.stamp(delivery, observers.active);
        List<Delivery> victims = null;
        int size;
        if (delivery instanceof EvictableDelivery evictable) {
            victims = new ArrayList<>(1);
            size = offerEvicting(evictable, source, victims);
        } else {
            size = offer(delivery, source, origin);
        }
        PublishOutcome.Rejected refusal = size > 0 ? null : admission.rejection(size, lane);
        if (refusal != null) {
            admission.countRejected();
        } else {
            admission.accepted(size);
        }
        if (refusal != null && observers.active) {
            observers.rejected(java.util.Objects.requireNonNull(offer), refusal.reason()); // onAccepted: the lane
        }
        if (victims != null) {
            for (Delivery victim : victims) {
                dropped(victim);
            }
        }
        if (refusal != null) {
            return refusal;
        }
        if (!started) {
            bus.unstarted().eventWaiting();
        }
        return new PublishOutcome.Accepted(bus.instanceId(), delivery.id);
    }

    /**
     * Offers to the lane; when full, BLOCK waits for room (unless the publisher holds a slot),
     * others reject. Returns the size at acceptance or a rejection code (see {@link Lane#offer}).
     */
    private int offer(Delivery delivery, int source, @Nullable Binding origin) {
        long deadline = 0L;
        while (true) {
            int size = delivery.lane.offer(delivery, source);
            if (size != Admission.FULL || delivery.lifecycle || publishWaitNanos <= 0
                    || source == Admission.FROM_TIMER
                    || (origin != null ? Binding.holdsSlotOf(origin, bus) : Binding.holdsSlot(bus))) {
                return size;
            }
            long now = System.nanoTime();
            if (deadline == 0L) {
                deadline = now + publishWaitNanos;
            }
            int waited = admission.awaitRoom(deadline - now, () -> delivery.lane.refusal(source));
            if (waited != 0) {
                return waited;
            }
        }
    }

    /**
     * DROP_OLDEST: under the {@link Evictions} lock, evicts the oldest user event that has not
     * started until this one fits, then links it; lifecycle events never take this path.
     */
    private int offerEvicting(EvictableDelivery delivery, int source, List<Delivery> victims) {
        Evictions list = Objects.requireNonNull(evictions);
        list.lock().lock();
        try {
            while (true) {
                int size = delivery.lane.offer(delivery, source);
                if (size > 0) {
                    list.link(delivery);
                    return size;
                }
                if (size != Admission.FULL) {
                    return size;
                }
                Delivery victim = list.evictOldest();
                if (victim == null) {
                    return size; // every unfinished user event has started
                }
                admission.release(Admission.DROPPED, 1, 0);
                victims.add(victim);
            }
        } finally {
            list.lock().unlock();
        }
    }

    /**
     * ADAPTIVE: pauses the publisher according to how full the queue is, unless it holds a slot
     * itself (slowing a handler would slow the very draining that relieves the queue), directly or
     * through the context it publishes with ({@code origin}).
     */
    private void pace(@Nullable Binding origin) {
        long delay = AdaptivePacing.delayNanos(admission.size(), config.lowMark(), config.highMark(), adaptiveMaxNanos);
        if (delay > 0 && !(origin != null ? Binding.holdsSlotOf(origin, bus) : Binding.holdsSlot(bus))) {
            throttled.increment();
            if (observers.active) {
                observers.throttled(delay);
            }
            LockSupport.parkNanos(delay);
        }
    }

    /** Reports a delivery DROP_OLDEST evicted: observers (the dead-letter hook), waiter, log, EventDropped. */
    private void dropped(Delivery victim) {
        LOG.log(Level.DEBUG, () -> "bus '" + bus.name() + "' dropped " + victim + " to make room (DROP_OLDEST)");
        if (observers.active) {
            observers.dropped(victim);
        }
        Waiter waiter = victim.waiter();
        if (waiter != null) {
            waiter.complete(Waiter.Status.DROPPED, 0);
        }
        if (bus.hasHandlers(victim.lane, EventDropped.class)) {
            lifecycle(victim.lane, new EventDropped(victim.event, victim.messageId()), victim.headers());
        }
    }

    private @Nullable PublishOutcome applyFilters(Lane lane, Event event, Headers headers, @Nullable EventOffer offer) {
        for (EventFilter filter : filters) {
            boolean accepted;
            try {
                accepted = filter.accept(event, lane.sessionId, headers);
            } catch (VirtualMachineError e) {
                throw e;
            } catch (Throwable e) {
                String detail = "filter " + filter.name() + " of bus '" + bus.name() + "' threw on event "
                        + event.getClass().getName() + ": " + e;
                LOG.log(Level.WARNING, detail, e);
                admission.countRejected();
                if (observers.active) {
                    observers.rejected(java.util.Objects.requireNonNull(offer), RejectionReason.FILTER_FAILED);
                }
                return new PublishOutcome.Rejected(RejectionReason.FILTER_FAILED, detail);
            }
            if (!accepted) {
                filtered.increment();
                if (observers.active) {
                    observers.filtered(java.util.Objects.requireNonNull(offer), filter.name());
                }
                return new PublishOutcome.Filtered(filter.name());
            }
        }
        return null;
    }

    /** Publishes with a future of the event's end; see {@code MessageScope.publishAsync}. */
    CompletableFuture<DeliveryOutcome> async(Lane lane, Event event, PublishOptions options) {
        if (bus.state() == BusState.NEW) {
            return CompletableFuture.completedFuture(new DeliveryOutcome.NotAccepted(refused(lane, event,
                    options.headers(), options.priority(), RejectionReason.BUS_NOT_STARTED, "publishAsync on bus '"
                            + bus.name() + "', which is not started: nothing would deliver the event; call start() first")));
        }
        var future = new CompletableFuture<DeliveryOutcome>();
        var accepted = new AtomicReference<@Nullable MessageId>();
        var waiter = Waiter.completing(ended -> {
            MessageId id = accepted.get();
            if (id == null) {
                return; // not accepted: completed below, after publish returned
            }
            complete(future, event, id, ended);
        });
        PublishOutcome outcome = publish(lane, event, options.headers(), options.priority(), Admission.FROM_CALLER,
                waiter, null);
        if (!(outcome instanceof PublishOutcome.Accepted acceptedOutcome)) {
            future.complete(new DeliveryOutcome.NotAccepted(outcome));
            return future;
        }
        accepted.set(acceptedOutcome.eventId());
        if (waiter.isDone()) {
            complete(future, event, acceptedOutcome.eventId(), waiter); // ended before the id was set
        }
        return future;
    }

    /** Completes {@code future} with the end {@code waiter} saw (once: a second call changes nothing). */
    private void complete(CompletableFuture<DeliveryOutcome> future, Event event, MessageId id, Waiter waiter) {
        DeliveryOutcome outcome = outcomeOf(id, waiter);
        if (outcome instanceof DeliveryOutcome.Delivered delivered && config.errorPolicy() == ErrorPolicy.PROPAGATE
                && !delivered.failures().isEmpty()) {
            future.completeExceptionally(new EventDeliveryException(event.getClass(), delivered));
        } else {
            future.complete(outcome);
        }
    }

    private static DeliveryOutcome outcomeOf(MessageId id, Waiter waiter) {
        return switch (waiter.status()) {
            case DROPPED -> new DeliveryOutcome.Dropped(id);
            case RETURNED -> new DeliveryOutcome.Returned(id);
            case CANCELLED -> new DeliveryOutcome.Cancelled(id);
            case PENDING, DELIVERED -> new DeliveryOutcome.Delivered(id, waiter.handlersInvoked(), waiter.failures());
        };
    }

    /** Publishes and waits for this event's handlers only; see {@code MessageScope.publishAndWait}. */
    DeliveryOutcome andWait(Lane lane, Event event, PublishOptions options, long timeoutNanos, @Nullable Duration timeout)
            throws InterruptedException {
        if (bus.state() == BusState.NEW) {
            return new DeliveryOutcome.NotAccepted(refused(lane, event, options.headers(), options.priority(),
                    RejectionReason.BUS_NOT_STARTED,
                    "publishAndWait on bus '" + bus.name() + "', which is not started: nothing would deliver the"
                            + " event; call start() first"));
        }
        if (Binding.currentlyInside(lane)) {
            throw new WouldDeadlockException("publishAndWait of " + event.getClass().getSimpleName() + " from work of "
                    + bus.scopeOf(lane).describe() + " would wait for an event queued behind the caller itself; use"
                    + " publish(...) instead, or publish into another session");
        }
        WaitGraph.Wait wait = WaitGraph.enter(Binding.current(), lane, "publishAndWait of "
                + event.getClass().getSimpleName());
        try {
            var waiter = new Waiter();
            PublishOutcome outcome = publish(lane, event, options.headers(), options.priority(), Admission.FROM_CALLER,
                    waiter, null);
            if (!(outcome instanceof PublishOutcome.Accepted accepted)) {
                return new DeliveryOutcome.NotAccepted(outcome);
            }
            MessageId id = accepted.eventId();
            if (!waiter.await(timeoutNanos)) {
                return new DeliveryOutcome.TimedOut(id, Objects.requireNonNull(timeout));
            }
            DeliveryOutcome delivery = outcomeOf(id, waiter);
            if (delivery instanceof DeliveryOutcome.Delivered delivered && config.errorPolicy() == ErrorPolicy.PROPAGATE
                    && !delivered.failures().isEmpty()) {
                throw new EventDeliveryException(event.getClass(), delivered);
            }
            return delivery;
        } finally {
            WaitGraph.exit(wait);
        }
    }
}
