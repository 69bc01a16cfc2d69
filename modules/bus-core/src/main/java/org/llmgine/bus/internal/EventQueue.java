package org.llmgine.bus.internal;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.jspecify.annotations.Nullable;
import org.llmgine.bus.PublishOutcome;
import org.llmgine.bus.RejectionReason;

/**
 * The bounded queue between publishers and the dispatcher. Its capacity counts every accepted,
 * unfinished event: queued here, waiting in a lane, or being handled. A slot is freed only when
 * the event's handlers finished (or close returned or cancelled it), so the bus never holds more
 * than {@code capacity} events in any stage.
 *
 * <p>Concurrency: {@code lock} guards every mutable field here and {@link Lane#unfinished} of every
 * lane. Publishers, the dispatcher and lane drainers take it for a few field updates; the only
 * waits are {@link Condition} awaits, which release it: publishers wait on {@code notFull} (BLOCK
 * strategy), the dispatcher on {@code notEmpty}, and {@code awaitIdle} callers on {@code idle}.
 * Signals are sent only when a waiter is registered (the waiter counts and the
 * {@code dispatcherWaiting} flag are updated under the lock), so the uncontended path costs one
 * lock acquisition. ReentrantLock rather than an intrinsic monitor: on Java 21 a virtual thread
 * that blocks while holding a monitor pins its carrier thread.
 */
final class EventQueue {

    private static final int OPEN = 0;
    private static final int INTERNAL_ONLY = 1;
    private static final int CLOSED = 2;

    private final ReentrantLock lock = new ReentrantLock();
    private final Condition notEmpty = lock.newCondition();
    private final Condition notFull = lock.newCondition();
    private final Condition idle = lock.newCondition();
    private final ArrayDeque<Delivery> pending = new ArrayDeque<>();
    private final int capacity;
    private final PublishOutcome.Rejected queueFull;
    private final PublishOutcome.Rejected timedOut;
    private final PublishOutcome.Rejected interrupted;
    private final PublishOutcome.Rejected busClosed;

    private int mode = OPEN;
    private int unfinished;
    private long lastId;
    private long accepted;
    private long rejected;
    private long delivered;
    private long cancelled;
    private long returned;
    /** Written under the lock, read without it by {@link #hasWaiters()}. */
    private volatile int fullWaiters;
    /** Written under the lock, read without it by {@link #signalIdleIfWaiting()} and {@link #hasWaiters()}. */
    private volatile int idleWaiters;
    private boolean dispatcherWaiting;

    EventQueue(String busName, int capacity, long publishTimeoutMillis) {
        this.capacity = capacity;
        this.queueFull = new PublishOutcome.Rejected(RejectionReason.QUEUE_FULL,
                "queue of bus '" + busName + "' is full (capacity " + capacity + ")");
        this.timedOut = new PublishOutcome.Rejected(RejectionReason.TIMED_OUT,
                "queue of bus '" + busName + "' stayed full (capacity " + capacity + ") for the publish timeout of "
                        + publishTimeoutMillis + " ms");
        this.interrupted = new PublishOutcome.Rejected(RejectionReason.INTERRUPTED,
                "publisher was interrupted while waiting for room in the queue of bus '" + busName + "'");
        this.busClosed = new PublishOutcome.Rejected(RejectionReason.BUS_CLOSED,
                "bus '" + busName + "' began closing before the event was accepted");
    }

    /** A publish through the bus or session API. */
    static final int FROM_CALLER = 0;
    /** A publish through a handler's or command's context: in-flight work of its lane. */
    static final int FROM_WORK = 1;
    /** A lifecycle event the bus publishes itself. */
    static final int FROM_BUS = 2;

    /**
     * Offers a delivery. On acceptance, gives it its id and returns {@link PublishOutcome.Accepted};
     * otherwise counts and returns the rejection.
     *
     * <p>Admission: a closed queue admits nothing; a draining bus admits its own work and lifecycle
     * events, and callers that are bus threads; a closing session's lane admits its own work,
     * lifecycle events, and callers that work in that lane. When the queue is full, a publisher
     * waits up to {@code waitNanos}, unless it holds a slot itself (see {@link Binding#holdsSlot}).
     *
     * @param source {@link #FROM_CALLER}, {@link #FROM_WORK} or {@link #FROM_BUS}
     * @param waitNanos how long to wait for room; 0 never waits
     */
    PublishOutcome offer(Delivery delivery, int source, long waitNanos) {
        lock.lock();
        try {
            PublishOutcome.Rejected refusal = refusal(delivery, source);
            if (refusal == null && unfinished >= capacity) {
                refusal = waitForRoom(delivery, source, waitNanos);
            }
            if (refusal != null) {
                rejected++;
                return refusal;
            }
            delivery.id = ++lastId;
            pending.addLast(delivery);
            unfinished++;
            delivery.lane.unfinished++;
            delivery.queueSizeAtAccept = unfinished;
            accepted++;
            if (dispatcherWaiting) {
                notEmpty.signal();
            }
            return new PublishOutcome.Accepted(delivery.id);
        } finally {
            lock.unlock();
        }
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

    /** Waits (lock held) until there is room; returns null when there is, else the rejection. */
    private PublishOutcome.@Nullable Rejected waitForRoom(Delivery delivery, int source, long nanos) {
        if (nanos <= 0 || Binding.holdsSlot(delivery.bus)) {
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
     * Takes up to {@code batch.length} deliveries, waiting while none is pending.
     *
     * @return how many were taken, or -1 once the queue is closed and empty
     */
    int take(Delivery[] batch) throws InterruptedException {
        lock.lockInterruptibly();
        try {
            while (pending.isEmpty()) {
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
            int n = 0;
            while (n < batch.length) {
                Delivery next = pending.pollFirst();
                if (next == null) {
                    break;
                }
                batch[n++] = next;
            }
            return n;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Records that a lane finished {@code done} deliveries, cancelled {@code cut} and returned
     * {@code handedBack} undelivered, and frees their slots.
     *
     * @return the number of unfinished events afterwards
     */
    int finish(Lane lane, int done, int cut, int handedBack) {
        int freed = done + cut + handedBack;
        lock.lock();
        try {
            unfinished -= freed;
            lane.unfinished -= freed;
            delivered += done;
            cancelled += cut;
            returned += handedBack;
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
     * Waits until idle: no unfinished event in {@code lane} (or in the whole queue when
     * {@code lane} is null; or events ignored when {@code ignoreEvents}) and, when {@code commands}
     * is given, no running command.
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
        boolean eventsIdle = ignoreEvents || (lane == null ? unfinished == 0 : lane.unfinished == 0);
        return eventsIdle && (commands == null || commands.get() == 0);
    }

    /**
     * Wakes idle waiters after the running-command count dropped to zero. The count is decremented
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
            var drained = new ArrayList<Delivery>(pending);
            pending.clear();
            for (Delivery delivery : drained) {
                delivery.lane.unfinished--;
            }
            unfinished -= drained.size();
            returned += drained.size();
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
    record Counts(int size, long accepted, long rejected, long delivered, long cancelled, long returned) {
    }

    Counts counts() {
        lock.lock();
        try {
            return new Counts(unfinished, accepted, rejected, delivered, cancelled, returned);
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
