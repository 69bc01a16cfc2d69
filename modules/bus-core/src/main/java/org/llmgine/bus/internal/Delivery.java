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
 * <p>Concurrency: {@code id} and {@code sizeAtAccept} are written under the lane's lock before
 * the delivery is in the mailbox, and a worker takes it under the same lock, so every handler sees
 * them. {@code state} moves PENDING -> STARTED (its worker, just before the handlers run) or
 * PENDING -> DROPPED (an eviction) by compare-and-set, so exactly one wins; only DROP_OLDEST
 * uses it. {@code prev} and {@code next} link it into the eviction list and are guarded by the
 * {@link Evictions} lock. As a {@link Mailbox.Node} it links to the next delivery of its mailbox level. {@code remaining} counts the handler threads of a fan-out run that have
 * not finished with it yet; the one that takes it to zero settles the delivery.
 */
final class Delivery extends Mailbox.Node implements EventContext {

    static final int PENDING = 0;
    static final int STARTED = 1;
    static final int DROPPED = 2;

    private static final VarHandle STATE;
    private static final VarHandle REMAINING;
    private static final VarHandle SKIPPED;

    static {
        try {
            MethodHandles.Lookup lookup = MethodHandles.lookup();
            STATE = lookup.findVarHandle(Delivery.class, "state", int.class);
            REMAINING = lookup.findVarHandle(Delivery.class, "remaining", int.class);
            SKIPPED = lookup.findVarHandle(Delivery.class, "skipped", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    final Event event;
    final Lane lane;
    final Headers headers;
    final @Nullable Waiter waiter;
    /** The event's priority (0-100). */
    final int priority;
    /** Whether this is a lifecycle event of the bus itself: never evicted, may use the reserve. */
    final boolean lifecycle;
    /** The acceptance time from a non-system clock; null when {@link #nanos} anchors it. */
    @Nullable Instant instant;
    /** The ticker reading at acceptance: the timestamp's source on the system clock, and the start of the dispatch lag. */
    long nanos;
    long id;
    /** The number of accepted, unfinished events just after this one was accepted. */
    int sizeAtAccept;
    /** Set when close cut a fan-out run short before every handler had this event. */
    volatile boolean cut;
    @SuppressWarnings("unused") // accessed through STATE
    private volatile int state;
    @SuppressWarnings("unused") // accessed through REMAINING
    private volatile int remaining;
    @SuppressWarnings("unused") // accessed through SKIPPED
    private volatile int skipped;
    /** Neighbours in the eviction list of unfinished user events (DROP_OLDEST only). */
    @Nullable Delivery prev;
    @Nullable Delivery next;

    Delivery(Event event, Lane lane, Headers headers, int priority, boolean lifecycle, @Nullable Waiter waiter) {
        this.event = event;
        this.lane = lane;
        this.headers = headers;
        this.priority = priority;
        this.lifecycle = lifecycle;
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

    /** Sets how many handler threads of a fan-out run will finish with this delivery (before they start). */
    void expect(int handlers) {
        REMAINING.setRelease(this, handlers);
    }

    /** Records that one handler thread finished with it; true for the last one. */
    boolean handlerDone() {
        return (int) REMAINING.getAndAdd(this, -1) == 1;
    }

    /** Records that a handler of a fan-out run was skipped (its registration closed meanwhile). */
    void skip() {
        SKIPPED.getAndAdd(this, 1);
    }

    /** Returns how many handlers of a fan-out run of {@code planned} handlers ran it. */
    int invokedOf(int planned) {
        return planned - (int) SKIPPED.getVolatile(this);
    }

    /** The mailbox level of the event's priority. */
    int level() {
        return Priorities.levelOf(priority);
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
        Instant known = instant;
        return known != null ? known : lane.bus.timestamps().instantAt(nanos);
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
        return lane.bus.publisher().fromWork(lane, next, headers);
    }

    @Override
    public <R> CommandResult<R> execute(Command<R> command) {
        return lane.bus.executeFromWork(lane, command, headers);
    }

    @Override
    public String toString() {
        return "event " + event.getClass().getSimpleName() + " (id=" + id + ", session=" + lane.sessionId + ")";
    }
}
