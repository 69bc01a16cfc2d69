package org.llmgine.bus.internal;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.time.Instant;
import org.jspecify.annotations.Nullable;
import org.llmgine.bus.PublishOutcome;
import org.llmgine.bus.handler.EventContext;
import org.llmgine.bus.message.Command;
import org.llmgine.bus.message.CommandResult;
import org.llmgine.bus.message.Event;
import org.llmgine.bus.message.Headers;

/**
 * One published event and its envelope, from acceptance to completion; it is also the
 * {@link EventContext} every handler of the event receives (one object per event, no copy per
 * handler).
 *
 * <p>Concurrency: {@code id} and {@code queueSizeAtAccept} are written under the queue's lock
 * before the delivery is visible to the dispatcher; the dispatcher and the lane hand it over under
 * their locks, so every later reader sees them. {@code prev}, {@code next} and {@code linked} are
 * guarded by the queue's lock. {@code state} moves PENDING -> STARTED (the lane, just before the
 * handlers run) or PENDING -> DROPPED (an eviction under the queue's lock) by compare-and-set, so
 * exactly one wins; a DROPPED delivery is skipped wherever it still waits.
 */
final class Delivery implements EventContext {

    static final int PENDING = 0;
    static final int STARTED = 1;
    static final int DROPPED = 2;

    private static final VarHandle STATE;

    static {
        try {
            STATE = MethodHandles.lookup().findVarHandle(Delivery.class, "state", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    final DefaultMessageBus bus;
    final Event event;
    final Lane lane;
    final Headers headers;
    final int priority;
    /** The {@link PriorityBuckets} level of {@code priority}. */
    final int level;
    final Instant timestamp;
    final long acceptedAtNanos;
    final @Nullable Waiter waiter;
    long id;
    int queueSizeAtAccept;
    /** Handlers that ran; written and read by the lane's drainer only. */
    int invoked;
    @SuppressWarnings("unused") // accessed through STATE
    private volatile int state;
    /** Neighbours in the queue's acceptance-order list of unfinished deliveries (DROP_OLDEST only). */
    @Nullable Delivery prev;
    @Nullable Delivery next;
    boolean linked;
    /** The delivery this one's acceptance evicted (DROP_OLDEST), for its publisher to report. */
    @Nullable Delivery victim;

    Delivery(DefaultMessageBus bus, Event event, Lane lane, Headers headers, int priority, Instant timestamp,
            long acceptedAtNanos, @Nullable Waiter waiter) {
        this.bus = bus;
        this.event = event;
        this.lane = lane;
        this.headers = headers;
        this.priority = priority;
        this.level = PriorityBuckets.levelOf(priority);
        this.timestamp = timestamp;
        this.acceptedAtNanos = acceptedAtNanos;
        this.waiter = waiter;
    }

    /** Claims the delivery for its handlers; false if it was dropped first. */
    boolean start() {
        return STATE.compareAndSet(this, PENDING, STARTED);
    }

    /** Claims the delivery for eviction; false if its handlers started first. */
    boolean drop() {
        return STATE.compareAndSet(this, PENDING, DROPPED);
    }

    boolean isDropped() {
        return (int) STATE.getVolatile(this) == DROPPED;
    }

    @Override
    public long messageId() {
        return id;
    }

    @Override
    public @Nullable String sessionId() {
        return lane.sessionId;
    }

    @Override
    public Instant timestamp() {
        return timestamp;
    }

    @Override
    public Headers headers() {
        return headers;
    }

    @Override
    public int attempt() {
        return 1;
    }

    @Override
    public int priority() {
        return priority;
    }

    @Override
    public PublishOutcome publish(Event next) {
        return bus.publisher().fromWork(lane, next, headers);
    }

    @Override
    public <R> CommandResult<R> execute(Command<R> command) {
        return bus.executeFromWork(lane, command, headers);
    }

    @Override
    public String toString() {
        return "event " + event.getClass().getSimpleName() + " (id=" + id + ", session=" + lane.sessionId + ")";
    }
}
