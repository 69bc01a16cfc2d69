package org.llmgine.bus.internal;

import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.IntSupplier;
import org.llmgine.bus.BusConfig;
import org.llmgine.bus.PublishOutcome;
import org.llmgine.bus.RejectionReason;

/**
 * The bound of the bus: how many accepted events are unfinished (waiting in a lane or being
 * handled), the terminal counts, and the wait of BLOCK publishers for room.
 *
 * <p>A slot is taken when an event is accepted and freed when its handlers finish (or close returns
 * or cancels it, or DROP_OLDEST evicts it), one event at a time, so the size is exact at every
 * moment: {@code admitted - finished}. {@code admitted} also hands out the event ids (a
 * compare-and-set that fails when the bound is reached), so an acceptance costs one atomic update,
 * and freeing one costs another on a different counter. Because {@code finished} only grows, a
 * publisher that read it a moment ago can only overestimate the size, never admit beyond the bound.
 * User events are bounded by {@code capacity}, lifecycle events use the free room up to
 * {@code capacity + lifecycleReserve} (see {@link #tryAcquire}).
 *
 * <p>A BLOCK publisher that finds no room parks; a release wakes it once {@code roomChunk} slots
 * are free (1/16 of the capacity, at most 256), so a publisher faster than its handlers is woken
 * once per chunk instead of once per event, and it never spins on the count the workers write.
 * It also looks again every {@link #ROOM_RECHECK_NANOS}, so room that frees up in smaller amounts
 * is never missed for longer, and it never gives up while there is room.
 *
 * <p>Concurrency: the counters are atomics, the two hot ones padded onto their own cache lines
 * ({@link Sequence}). {@code roomLock} guards only the wait for room: {@code roomWaiters} is
 * written under it and read without it after each release (a publisher registers before it
 * re-reads the size, a release updates the size before it reads the count, so either the
 * publisher sees the room or the release sees the publisher). ReentrantLock, not an
 * intrinsic monitor, so a waiting virtual thread does not pin its carrier. Size changes are passed
 * on to the {@link WaterMarks} and, once the bus is empty, to the {@link Quiescence} waiters.
 */
final class Admission {

    /** A publish through the bus or session API. */
    static final int FROM_CALLER = 0;
    /** A publish through a handler's or command's context: in-flight work of its lane. */
    static final int FROM_WORK = 1;
    /** A lifecycle event the bus publishes itself: may use the reserve; never waits nor evicts. */
    static final int FROM_BUS = 2;
    /** A scheduled event that fell due: admitted like in-flight work; never waits for room. */
    static final int FROM_TIMER = 3;

    /** Rejection codes (negative, so an acceptance's positive size and a refusal share one int). */
    static final int FULL = -1;
    static final int BUS_CLOSED = -2;
    static final int SESSION_CLOSED = -3;
    static final int TIMED_OUT = -4;
    static final int INTERRUPTED = -5;

    /** Admission modes: open, then only the bus's own in-flight work while it drains, then nothing. */
    static final int OPEN = 0;
    static final int INTERNAL_ONLY = 1;
    static final int CLOSED = 2;

    /** How a freed slot ended. */
    static final int DELIVERED = 0;
    static final int CANCELLED = 1;
    static final int RETURNED = 2;
    static final int DROPPED = 3;

    /**
     * How long a BLOCK publisher waits at most between two looks at the queue: releases wake it only
     * once a chunk of room is free, and this bounds its wait when fewer slots free up and then the
     * handlers stall.
     */
    static final long ROOM_RECHECK_NANOS = 1_000_000L;

    private final int capacity;
    private final int withReserve;
    /** How much room must be free before a release wakes a waiting publisher. */
    private final int roomChunk;
    private final WaterMarks marks;
    private final Quiescence quiescence;
    private final Sequence admitted = new Sequence();
    private final Sequence finished = new Sequence();
    // admitted.seen(): the publishers' recent reading of `finished` (racy on purpose: a stale value
    // overestimates the size, never admits beyond the bound; refreshed near a bound, a mark or the
    // largest size). finished.seen(): the workers' recent reading of `admitted` (a stale value
    // underestimates the size, so a release asks for the exact count before it acts).
    /** With observers, sizes are read exactly on every acceptance (they report it). */
    private final boolean exactSizes;
    private final LongAdder rejected = new LongAdder();
    private final LongAdder delivered = new LongAdder();
    private final LongAdder cancelled = new LongAdder();
    private final LongAdder returned = new LongAdder();
    private final LongAdder dropped = new LongAdder();
    private volatile int mode = OPEN;
    private final ReentrantLock roomLock = new ReentrantLock();
    private final Condition room = roomLock.newCondition();
    private volatile int roomWaiters;

    private final PublishOutcome.Rejected queueFull;
    private final PublishOutcome.Rejected timedOut;
    private final PublishOutcome.Rejected interrupted;
    private final PublishOutcome.Rejected busClosed;

    Admission(BusConfig config, WaterMarks marks, Quiescence quiescence, boolean exactSizes) {
        this.exactSizes = exactSizes;
        String busName = config.name();
        this.capacity = config.queueCapacity();
        this.withReserve = capacity + config.lifecycleReserve();
        this.roomChunk = Math.max(1, Math.min(256, capacity / 16));
        this.marks = marks;
        this.quiescence = quiescence;
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
     * Takes a slot if the delivery fits, giving it its id and the size just after it; called under
     * the delivery's lane lock, so ids follow mailbox order. A user event fits while fewer than
     * {@code capacity} user events and fewer than {@code capacity + lifecycleReserve} events in all
     * are unfinished; a lifecycle event fits while fewer than {@code capacity + lifecycleReserve} are.
     * So notices never crowd user events out of their capacity, and the bus never holds more than
     * both together.
     *
     * <p>The size is read from a cached count of finished events unless it nears a limit (see
     * {@link #refreshAt}), so the size returned is exact whenever it matters: at the marks, at the
     * largest size so far, at the bound. Lifecycle events are counted apart ({@link Sequence#notices()} of {@code admitted}), incremented after their slot is
     * taken and decremented before it is freed, so the count never exceeds the truth; reading
     * {@code finished}, then the notices, then {@code admitted} can therefore only overestimate
     * the number of unfinished user events.
     *
     * @return the number of unfinished events just after it was admitted, or 0 if it does not fit
     */
    int tryAcquire(Delivery delivery) {
        boolean isLifecycle = delivery.lifecycle;
        boolean exact = exactSizes;
        while (true) {
            long done = exact ? finished.get() : admitted.seen();
            int notices = isLifecycle ? 0 : admitted.notices();
            long id = admitted.get();
            long size = id - done;
            if (size >= refreshAt(isLifecycle, notices)) {
                // The cached count of finished events is old (it only overestimates the size): read
                // the true one before deciding, and keep it for the next publishers.
                done = finished.get();
                admitted.seen(done);
                notices = isLifecycle ? 0 : admitted.notices();
                id = admitted.get();
                size = id - done;
                if (size >= withReserve || (!isLifecycle && size - notices >= capacity)) {
                    return 0;
                }
            }
            if (admitted.compareAndSet(id, id + 1)) {
                if (isLifecycle) {
                    admitted.addNotices(1);
                }
                int now = (int) size + 1;
                delivery.id = id + 1;
                if (now > admitted.peak()) {
                    admitted.raisePeak(now);
                }
                return now;
            }
        }
    }

    /**
     * The estimated size from which a publisher must read the true count: the bound itself, the
     * high mark while backpressure is off (so crossings are seen exactly), and the largest size
     * seen (so the statistic stays exact).
     */
    private long refreshAt(boolean isLifecycle, int notices) {
        long bound = isLifecycle ? withReserve : Math.min(withReserve, (long) capacity + notices);
        if (!marks.active()) {
            bound = Math.min(bound, marks.highMark());
        }
        return Math.min(bound, (long) admitted.peak());
    }

    /** Tells whether a user event would fit now. */
    private boolean userRoom() {
        long done = finished.get();
        int notices = admitted.notices();
        long size = admitted.get() - done;
        return size < withReserve && size - notices < capacity;
    }

    /**
     * Reports an acceptance to the water marks; called after the lane's lock was released (a
     * crossing may publish a lifecycle event).
     */
    void accepted(int sizeAtAccept) {
        if (!marks.active() && sizeAtAccept >= marks.highMark()) {
            marks.settle(this::size);
        }
    }

    /**
     * Frees the slots of {@code count} events, {@code notices} of them lifecycle events, that ended
     * as {@code how}; wakes who waits for that.
     */
    void release(int how, int count, int notices) {
        if (notices > 0) {
            admitted.addNotices(-notices);
        }
        (switch (how) {
            case DELIVERED -> delivered;
            case CANCELLED -> cancelled;
            case RETURNED -> returned;
            default -> dropped;
        }).add(count);
        long done = finished.addAndGet(count);
        boolean room = roomWaiters > 0;
        boolean marksOn = marks.active();
        boolean idleWaited = quiescence.hasWaiters();
        if (!room && !marksOn && !idleWaited) {
            return;
        }
        // The size from a cached count of acceptances: a stale one only underestimates the size,
        // so it can only ask for the exact count too often, never miss room, a mark or idleness.
        long size = finished.seen() - done;
        if ((room && capacity - (size - admitted.notices()) >= roomChunk) || (marksOn && size <= marks.lowMark())
                || (idleWaited && size <= 0)) {
            long accepted = admitted.get();
            finished.seen(accepted);
            size = accepted - done;
        } else {
            return;
        }
        if (room && capacity - (size - admitted.notices()) >= roomChunk) {
            signalRoom(count > 1);
        }
        if (marksOn && size <= marks.lowMark()) {
            marks.settle(this::size);
        }
        if (idleWaited && size == 0) {
            quiescence.signal();
        }
    }

    /** The number of accepted, unfinished events now. */
    int size() {
        long done = finished.get();
        return (int) (admitted.get() - done);
    }

    /**
     * The size as a reader outside the dispatch sees it (stats, gauges): the accepted count is read
     * before the finished one, so events that finish and are replaced between the two reads never
     * show above the true size (it may show less). {@link #size()} reads the other way round and
     * may show more, which is what an idleness check needs.
     */
    int sampledSize() {
        long accepted = admitted.get();
        long done = finished.get();
        return (int) Math.max(0, accepted - done);
    }

    /** The number of events accepted so far (the last id given). */
    long accepted() {
        return admitted.get();
    }

    int capacity() {
        return capacity;
    }

    int largest() {
        return admitted.peak();
    }

    long rejected() {
        return rejected.sum();
    }

    long delivered() {
        return delivered.sum();
    }

    long cancelled() {
        return cancelled.sum();
    }

    long returned() {
        return returned.sum();
    }

    long dropped() {
        return dropped.sum();
    }

    void countRejected() {
        rejected.increment();
    }

    int mode() {
        return mode;
    }

    /** The rejection of a code, for the lane it was refused by. */
    PublishOutcome.Rejected rejection(int code, Lane lane) {
        return switch (code) {
            case FULL -> queueFull;
            case BUS_CLOSED -> busClosed;
            case TIMED_OUT -> timedOut;
            case INTERRUPTED -> interrupted;
            case SESSION_CLOSED -> new PublishOutcome.Rejected(RejectionReason.SESSION_CLOSED, "session '"
                    + lane.sessionId + "' began closing before the event was accepted");
            default -> throw new IllegalArgumentException("not a rejection code: " + code);
        };
    }

    /** Changes the admission mode (never back) and wakes every publisher waiting for room to re-check. */
    void narrow(int to) {
        if (to > mode) {
            mode = to;
        }
        signalRoom(true);
    }

    /** Wakes every publisher waiting for room so it re-checks whether it is still admitted. */
    void recheckWaiters() {
        signalRoom(true);
    }

    private void signalRoom(boolean all) {
        roomLock.lock();
        try {
            if (all) {
                room.signalAll();
            } else {
                room.signal();
            }
        } finally {
            roomLock.unlock();
        }
    }

    /**
     * Waits up to {@code nanos} until a user event would fit. Returns 0 when it would (the caller
     * then offers again), else the rejection code: timed out, interrupted, or whatever
     * {@code refusal} reports after a wake-up (close began, the session is closing).
     */
    int awaitRoom(long nanos, IntSupplier refusal) {
        roomLock.lock();
        try {
            roomWaiters++;
            try {
                long deadline = System.nanoTime() + nanos;
                while (!userRoom()) {
                    long left = deadline - System.nanoTime();
                    if (left <= 0) {
                        return TIMED_OUT;
                    }
                    room.awaitNanos(Math.min(left, ROOM_RECHECK_NANOS));
                    int refused = refusal.getAsInt();
                    if (refused != 0) {
                        return refused;
                    }
                }
                return 0;
            } finally {
                roomWaiters--;
                if (roomWaiters > 0 && userRoom()) {
                    room.signal(); // pass on a wake-up this publisher may have taken from another
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return INTERRUPTED;
        } finally {
            roomLock.unlock();
        }
    }

}
