package org.llmgine.bus.internal;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.jspecify.annotations.Nullable;
import org.llmgine.bus.BusConfig;
import org.llmgine.bus.OverflowStrategy;
import org.llmgine.bus.PublishOutcome;
import org.llmgine.bus.RejectionReason;

/**
 * The bounded queue between publishers and the dispatcher. Its capacity counts every accepted,
 * unfinished event: queued here, waiting in a lane, or being handled. A slot is freed only when
 * the event's handlers finished, or when close returns or cancels it, or DROP_OLDEST evicts it, so
 * the bus never holds more than {@code capacity} events in any stage, plus at most
 * {@code lifecycleReserve} lifecycle events of the bus itself.
 *
 * <p>It also watches the water marks (backpressure turns on at the high mark and off at the low
 * mark, counted and queued as transitions the dispatcher publishes in order) and, under
 * DROP_OLDEST, keeps every unfinished delivery in an acceptance-order list so the oldest one that
 * has not started can be evicted wherever it waits (here or in a lane).
 *
 * <p>Concurrency: {@code lock} guards every mutable field here, the {@code prev/next/linked} links
 * of deliveries, and {@link Lane#unfinished} and {@link Lane#closing} of every lane. An eviction
 * takes a lane's lock inside this one (to remove the victim from the lane's mailbox); nothing takes
 * this lock while holding a lane's, so the order queue -> lane cannot deadlock. Publishers,
 * the dispatcher and lane drainers take it for a few field updates; the only waits are
 * {@link Condition} awaits, which release it: publishers wait on {@code notFull} (BLOCK strategy),
 * the dispatcher on {@code notEmpty}, and {@code awaitIdle} callers on {@code idle}. Signals are
 * sent only when a waiter is registered, so the uncontended path costs one lock acquisition.
 * ReentrantLock rather than an intrinsic monitor: on Java 21 a virtual thread that blocks while
 * holding a monitor pins its carrier thread. {@code size} mirrors {@code unfinished} for lock-free
 * reads (ADAPTIVE pacing), a benign race.
 */
final class EventQueue {

    /** A publish through the bus or session API. */
    static final int FROM_CALLER = 0;
    /** A publish through a handler's or command's context: in-flight work of its lane. */
    static final int FROM_WORK = 1;
    /** A lifecycle event the bus publishes itself: may use the reserve; never waits nor evicts. */
    static final int FROM_BUS = 2;
    /** A scheduled event that fell due: admitted like in-flight work; never waits for room. */
    static final int FROM_TIMER = 3;

    private static final int OPEN = 0;
    private static final int INTERNAL_ONLY = 1;
    private static final int CLOSED = 2;

    /** A water-mark crossing, for the dispatcher to publish. */
    record Transition(boolean active, int queueSize) {
    }

    private final ReentrantLock lock = new ReentrantLock();
    private final Condition notEmpty = lock.newCondition();
    private final Condition notFull = lock.newCondition();
    private final Condition idle = lock.newCondition();
    private final PriorityBuckets pending;
    private final int capacity;
    private final int withReserve;
    private final int highMark;
    private final int lowMark;
    private final OverflowStrategy strategy;
    private final boolean dropOldest;
    private final boolean adaptive;
    private final PublishOutcome.Rejected queueFull;
    private final PublishOutcome.Rejected timedOut;
    private final PublishOutcome.Rejected interrupted;
    private final PublishOutcome.Rejected busClosed;

    private int mode = OPEN;
    private int unfinished;
    private volatile int size;
    private long lastId;
    private long accepted;
    private long rejected;
    private long delivered;
    private long cancelled;
    private long returned;
    private long dropped;
    private long highWaterHits;
    private int largestSize;
    private boolean backpressure;
    private final ArrayDeque<Transition> transitions = new ArrayDeque<>();
    /** Crossings queued or being published by the dispatcher; the bus is not idle until they are announced. */
    private int unannounced;
    /** Oldest and newest unfinished deliveries (DROP_OLDEST only). */
    private @Nullable Delivery head;
    private @Nullable Delivery tail;
    /** Written under the lock, read without it by {@link #hasWaiters()}. */
    private volatile int fullWaiters;
    /** Written under the lock, read without it by {@link #signalIdleIfWaiting()} and {@link #hasWaiters()}. */
    private volatile int idleWaiters;
    private boolean dispatcherWaiting;

    EventQueue(BusConfig config) {
        String busName = config.name();
        this.capacity = config.queueCapacity();
        this.withReserve = capacity + config.lifecycleReserve();
        this.highMark = config.highMark();
        this.lowMark = config.lowMark();
        this.strategy = config.overflowStrategy();
        this.dropOldest = strategy == OverflowStrategy.DROP_OLDEST;
        this.adaptive = strategy == OverflowStrategy.ADAPTIVE;
        this.pending = new PriorityBuckets(config.starvationLimit());
        this.queueFull = new PublishOutcome.Rejected(RejectionReason.QUEUE_FULL,
                "queue of bus '" + busName + "' is full (capacity " + capacity + ")");
        this.timedOut = new PublishOutcome.Rejected(RejectionReason.TIMED_OUT,
                "queue of bus '" + busName + "' stayed full (capacity " + capacity + ") for the publish timeout of "
                        + config.publishTimeout().toMillis() + " ms");
        this.interrupted = new PublishOutcome.Rejected(RejectionReason.INTERRUPTED,
                "publisher was interrupted while waiting for room in the queue of bus '" + busName + "'");
        this.busClosed = new PublishOutcome.Rejected(RejectionReason.BUS_CLOSED,
                "bus '" + busName + "' began closing before the event was accepted");
    }

    /**
     * Offers a delivery. On acceptance, gives it its id and returns {@link PublishOutcome.Accepted};
     * otherwise counts and returns the rejection. Under DROP_OLDEST an acceptance may evict an older
     * delivery, which is then left in {@code delivery.victim} for the caller to report.
     *
     * <p>Admission: a closed queue admits nothing; a draining bus admits its own work and lifecycle
     * events, and callers that are bus threads; a closing session's lane admits its own work,
     * lifecycle events, and callers that work in that lane. When the queue is full, BLOCK waits up
     * to {@code waitNanos} unless the publisher holds a slot itself ({@link Binding#holdsSlot}).
     *
     * @param source {@link #FROM_CALLER}, {@link #FROM_WORK}, {@link #FROM_BUS} or {@link #FROM_TIMER}
     * @param waitNanos how long BLOCK waits for room
     */
    PublishOutcome offer(Delivery delivery, int source, long waitNanos) {
        lock.lock();
        try {
            PublishOutcome.Rejected refusal = refusal(delivery, source);
            if (refusal == null && unfinished >= limit(source)) {
                refusal = makeRoom(delivery, source, waitNanos);
            }
            if (refusal != null) {
                rejected++;
                return refusal;
            }
            delivery.id = ++lastId;
            pending.add(delivery);
            if (dropOldest) {
                link(delivery);
            }
            unfinished++;
            mirrorSize();
            delivery.lane.unfinished++;
            delivery.queueSizeAtAccept = unfinished;
            largestSize = Math.max(largestSize, unfinished);
            accepted++;
            checkMarks();
            if (dispatcherWaiting) {
                notEmpty.signal();
            }
            return new PublishOutcome.Accepted(delivery.id);
        } finally {
            lock.unlock();
        }
    }

    /** Publishes the size for lock-free reads; only ADAPTIVE reads it, so only it pays the volatile write. */
    private void mirrorSize() {
        if (adaptive) {
            size = unfinished;
        }
    }

    private int limit(int source) {
        return source == FROM_BUS ? withReserve : capacity;
    }

    /** Returns why the bus or the event's session refuses this publish now, or null if admitted (lock held). */
    private PublishOutcome.@Nullable Rejected refusal(Delivery delivery, int source) {
        if (mode == CLOSED
                || (mode == INTERNAL_ONLY && source == FROM_CALLER && !Binding.currentlyWithin(delivery.bus))) {
            return busClosed;
        }
        Lane lane = delivery.lane;
        if (lane.closing && source == FROM_CALLER && Binding.relationTo(lane) == 0) {
            return new PublishOutcome.Rejected(RejectionReason.SESSION_CLOSED, "session '" + lane.sessionId
                    + "' began closing before the event was accepted");
        }
        return null;
    }

    /** The queue is full for this publish (lock held): evict, wait or refuse; null once there is room. */
    private PublishOutcome.@Nullable Rejected makeRoom(Delivery delivery, int source, long waitNanos) {
        if (source == FROM_BUS) {
            return queueFull;
        }
        return switch (strategy) {
            case DROP_OLDEST -> evictOldest(delivery) ? null : queueFull;
            case BLOCK -> source == FROM_TIMER || Binding.holdsSlot(delivery.bus) ? queueFull
                    : waitForRoom(delivery, source, waitNanos);
            case REJECT_NEW, ADAPTIVE -> queueFull;
        };
    }

    /** Waits (lock held) until there is room; returns null when there is, else the rejection. */
    private PublishOutcome.@Nullable Rejected waitForRoom(Delivery delivery, int source, long nanos) {
        if (nanos <= 0) {
            return queueFull;
        }
        fullWaiters++;
        try {
            while (unfinished >= capacity) {
                if (nanos <= 0) {
                    return timedOut;
                }
                nanos = notFull.awaitNanos(nanos);
                PublishOutcome.Rejected refusal = refusal(delivery, source);
                if (refusal != null) {
                    return refusal;
                }
            }
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return interrupted;
        } finally {
            fullWaiters--;
        }
    }

    /**
     * Evicts the oldest unfinished delivery whose handlers have not started (lock held). The walk
     * passes only deliveries being handled, at most one per lane, since lanes settle every event
     * under DROP_OLDEST.
     */
    private boolean evictOldest(Delivery incoming) {
        for (Delivery d = head; d != null; d = d.next) {
            if (d.drop()) {
                unlink(d);
                // Remove it where it waits, so dead entries do not pile up; one still on its way
                // (the dispatcher's batch, a lane's batch) is skipped when its turn comes.
                if (!pending.removeIfHead(d)) {
                    d.lane.removeIfWaiting(d);
                }
                unfinished--;
                mirrorSize();
                d.lane.unfinished--;
                dropped++;
                incoming.victim = d;
                checkMarks();
                if (idleWaiters > 0 && d.lane.unfinished == 0) {
                    idle.signalAll();
                }
                return true;
            }
        }
        return false;
    }

    private void link(Delivery delivery) {
        delivery.prev = tail;
        delivery.next = null;
        if (tail == null) {
            head = delivery;
        } else {
            tail.next = delivery;
        }
        tail = delivery;
        delivery.linked = true;
    }

    private void unlink(Delivery delivery) {
        if (!delivery.linked) {
            return;
        }
        Delivery before = delivery.prev;
        Delivery after = delivery.next;
        if (before == null) {
            head = after;
        } else {
            before.next = after;
        }
        if (after == null) {
            tail = before;
        } else {
            after.prev = before;
        }
        delivery.prev = null;
        delivery.next = null;
        delivery.linked = false;
    }

    /** Turns backpressure on at the high mark and off at the low mark (lock held). */
    private void checkMarks() {
        if (!backpressure && unfinished >= highMark) {
            backpressure = true;
            highWaterHits++;
            transitions.addLast(new Transition(true, unfinished));
            unannounced++;
        } else if (backpressure && unfinished <= lowMark) {
            // Lanes free the slots of a batch together, so the size may jump past the mark; the
            // events finished one by one, so the crossing itself is at the mark.
            backpressure = false;
            transitions.addLast(new Transition(false, lowMark));
            unannounced++;
        } else {
            return;
        }
        if (dispatcherWaiting) {
            notEmpty.signal();
        }
    }

    /**
     * Takes up to {@code batch.length} deliveries by priority, and every pending water-mark
     * transition, waiting while there is neither; skips deliveries dropped while they waited here.
     *
     * @return how many deliveries were taken (possibly 0 with transitions), or -1 once the queue is
     *     closed and neither deliveries nor transitions are left
     */
    int take(Delivery[] batch, List<Transition> crossed) throws InterruptedException {
        lock.lockInterruptibly();
        try {
            while (pending.isEmpty() && transitions.isEmpty()) {
                if (mode == CLOSED) {
                    return -1;
                }
                dispatcherWaiting = true;
                try {
                    notEmpty.await();
                } finally {
                    dispatcherWaiting = false;
                }
            }
            crossed.addAll(transitions);
            transitions.clear();
            int n = 0;
            while (n < batch.length) {
                Delivery next = pending.poll();
                if (next == null) {
                    break;
                }
                if (!dropOldest || !next.isDropped()) {
                    batch[n++] = next;
                }
            }
            return n;
        } finally {
            lock.unlock();
        }
    }

    /** Records that the dispatcher published {@code count} crossings it took; wakes idle waiters. */
    void announced(int count) {
        lock.lock();
        try {
            unannounced -= count;
            if (idleWaiters > 0 && unannounced == 0) {
                idle.signalAll();
            }
        } finally {
            lock.unlock();
        }
    }

    /** Tells whether lanes must free each event's slot at once (DROP_OLDEST keeps its walk short). */
    boolean settlesEveryEvent() {
        return dropOldest;
    }

    /**
     * Records that a lane finished {@code done} deliveries, cancelled {@code cut} and returned
     * {@code handedBack} undelivered, frees their slots, and unlinks {@code finished[from..to)} from
     * the acceptance-order list.
     *
     * @return the number of unfinished events afterwards
     */
    int finish(Lane lane, int done, int cut, int handedBack, Delivery[] finished, int from, int to) {
        int freed = done + cut + handedBack;
        lock.lock();
        try {
            if (dropOldest) {
                for (int i = from; i < to; i++) {
                    unlink(finished[i]);
                }
            }
            unfinished -= freed;
            mirrorSize();
            lane.unfinished -= freed;
            delivered += done;
            cancelled += cut;
            returned += handedBack;
            checkMarks();
            if (fullWaiters > 0) {
                if (freed >= fullWaiters) {
                    notFull.signalAll();
                } else {
                    for (int i = 0; i < freed; i++) {
                        notFull.signal();
                    }
                }
            }
            if (idleWaiters > 0 && (unfinished == 0 || lane.unfinished == 0)) {
                idle.signalAll();
            }
            return unfinished;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Waits until idle: no unfinished event in {@code lane} (or in the whole queue, with every
     * water-mark crossing announced, when {@code lane} is null; or events ignored when
     * {@code ignoreEvents}) and, when {@code commands} is given, no running command.
     *
     * @return true if idle, false if the time ran out
     */
    boolean awaitIdle(long nanos, @Nullable Lane lane, boolean ignoreEvents, @Nullable AtomicInteger commands)
            throws InterruptedException {
        lock.lockInterruptibly();
        try {
            idleWaiters++;
            try {
                while (!isIdle(lane, ignoreEvents, commands)) {
                    if (nanos <= 0) {
                        return false;
                    }
                    nanos = idle.awaitNanos(nanos);
                }
                return true;
            } finally {
                idleWaiters--;
            }
        } finally {
            lock.unlock();
        }
    }

    private boolean isIdle(@Nullable Lane lane, boolean ignoreEvents, @Nullable AtomicInteger commands) {
        boolean eventsIdle = ignoreEvents
                || (lane == null ? unfinished == 0 && unannounced == 0 : lane.unfinished == 0);
        return eventsIdle && (commands == null || commands.get() == 0);
    }

    /**
     * Wakes idle waiters after a running-command count dropped to zero. The count is decremented
     * before this call and waiters register before reading it, so either the waiter sees zero or
     * this call sees the waiter.
     */
    void signalIdleIfWaiting() {
        if (idleWaiters > 0) {
            lock.lock();
            try {
                idle.signalAll();
            } finally {
                lock.unlock();
            }
        }
    }

    /**
     * Tells whether a publisher waits for room or a caller waits for idleness, so a lane frees
     * slots after each event rather than after its batch. A racy read: a waiter that registers
     * just after it is served when the current batch ends.
     */
    boolean hasWaiters() {
        return fullWaiters > 0 || idleWaiters > 0;
    }

    /** The number of accepted, unfinished events, read without the lock (may be a moment old; ADAPTIVE only). */
    int size() {
        return size;
    }

    /**
     * From now on a closing session's lane accepts only its own work and lifecycle events; a
     * caller waiting for room to publish into it is told.
     */
    void closeLane(Lane lane) {
        lock.lock();
        try {
            lane.closing = true;
            notFull.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** From now on accepts only publishes from the bus's own work. */
    void admitInternalOnly() {
        lock.lock();
        try {
            if (mode == OPEN) {
                mode = INTERNAL_ONLY;
            }
            notFull.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Closes the queue: nothing more is accepted, and the pending deliveries (never dispatched) are
     * removed, counted as returned and handed back in acceptance order.
     */
    List<Delivery> closeAndDrain() {
        lock.lock();
        try {
            mode = CLOSED;
            var drained = new ArrayList<Delivery>();
            for (Delivery delivery : pending.removeAll()) {
                if (!delivery.isDropped()) {
                    unlink(delivery);
                    delivery.lane.unfinished--;
                    drained.add(delivery);
                }
            }
            unfinished -= drained.size();
            mirrorSize();
            returned += drained.size();
            checkMarks();
            notEmpty.signalAll();
            notFull.signalAll();
            if (idleWaiters > 0) {
                idle.signalAll();
            }
            return drained;
        } finally {
            lock.unlock();
        }
    }

    /** A consistent snapshot of the queue's counters. */
    record Counts(int size, long accepted, long rejected, long delivered, long cancelled, long returned,
            long dropped, long highWaterHits, int largestSize, boolean backpressure) {
    }

    Counts counts() {
        lock.lock();
        try {
            return new Counts(unfinished, accepted, rejected, delivered, cancelled, returned, dropped, highWaterHits,
                    largestSize, backpressure);
        } finally {
            lock.unlock();
        }
    }

    /** Tells whether the queue was closed (it admits nothing more). */
    boolean isClosed() {
        lock.lock();
        try {
            return mode == CLOSED;
        } finally {
            lock.unlock();
        }
    }

    /** Counts a rejection decided before the queue was reached (a failing filter). */
    void countRejected() {
        lock.lock();
        try {
            rejected++;
        } finally {
            lock.unlock();
        }
    }

    int capacity() {
        return capacity;
    }
}
