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
 * handler). As a {@link Mailbox.Node} it links to the next delivery of its mailbox level. Under
 * DROP_OLDEST every user event is an {@link EvictableDelivery}, which adds what eviction needs;
 * the plain envelope stays small (56 bytes): the headers, a {@code publishAndWait} caller's waiter
 * and an injected clock's instant share one field, which holds the headers alone unless the
 * delivery carries one of the other two (then an {@link Extras}).
 *
 * <p>Concurrency: {@code id} is written under the lane's lock before
 * the delivery is in the mailbox, and a worker takes it from there after the lane's publishers
 * linked it (a release store), so every handler sees them. {@code fanOut} packs what a fan-out run
 * counts, updated atomically by its handler threads: how many have not finished with the event
 * yet (the one that takes it to zero settles the delivery), how many skipped it (a registration
 * closed meanwhile), and whether close cut the run short.
 */
sealed class Delivery extends Mailbox.Node implements EventContext permits EvictableDelivery {

    private static final VarHandle FAN_OUT;
    private static final int REMAINING_MASK = 0xFFFF;
    private static final int SKIPPED_UNIT = 1 << 16;
    private static final int SKIPPED_MASK = 0x7FFF;
    private static final int CUT = 1 << 31;

    static {
        try {
            FAN_OUT = MethodHandles.lookup().findVarHandle(Delivery.class, "fanOut", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    final Event event;
    final Lane lane;
    /** The event's priority (0-100). */
    final int priority;
    /** Whether this is a lifecycle event of the bus itself: never evicted, may use the reserve. */
    final boolean lifecycle;
    /**
     * The event's {@link Headers}, or an {@link Extras} when it also has a waiter or an instant;
     * written only before the delivery is in a mailbox.
     */
    private Object meta;
    /** The ticker reading at acceptance: the timestamp's source on the system clock, and the start of the dispatch lag. */
    long nanos;
    long id;
    @SuppressWarnings("unused") // accessed through FAN_OUT
    private volatile int fanOut;

    Delivery(Event event, Lane lane, Headers headers, int priority, boolean lifecycle, @Nullable Waiter waiter) {
        this.event = event;
        this.lane = lane;
        this.priority = priority;
        this.lifecycle = lifecycle;
        this.meta = waiter == null ? headers : new Extras(headers, waiter, null);
    }

    /** What the few deliveries that carry more than headers keep: a waiter, an injected clock's instant. */
    private record Extras(Headers headers, @Nullable Waiter waiter, @Nullable Instant instant) {
    }

    /** The {@code publishAndWait} caller waiting for this event, if any. */
    @Nullable Waiter waiter() {
        return meta instanceof Extras extras ? extras.waiter : null;
    }

    /** Records the acceptance time read from an injected clock (before the delivery is in a mailbox). */
    void stampInstant(Instant instant) {
        meta = new Extras(headers(), waiter(), instant);
    }

    /** Claims the delivery for its handlers; false if it was evicted first (only an {@link EvictableDelivery} can be). */
    boolean start() {
        return true;
    }

    /**
     * Sets how many handler threads of a fan-out run will finish with this delivery (before they
     * start; a group has far fewer than 32,768 handlers).
     */
    void expect(int handlers) {
        FAN_OUT.setRelease(this, handlers);
    }

    /** Records that one handler thread finished with it; true for the last one. */
    boolean handlerDone() {
        return ((int) FAN_OUT.getAndAdd(this, -1) & REMAINING_MASK) == 1;
    }

    /**
     * Gives up on the handlers of a fan-out run that have not finished with this delivery (the run
     * failed outside them, and its threads were joined); returns how many there were, 0 if the
     * delivery was already settled.
     */
    int abandon() {
        int seen;
        do {
            seen = (int) FAN_OUT.getVolatile(this);
        } while ((seen & REMAINING_MASK) != 0 && !FAN_OUT.compareAndSet(this, seen, seen & ~REMAINING_MASK));
        return seen & REMAINING_MASK;
    }

    /** Records that a handler of a fan-out run was skipped (its registration closed meanwhile). */
    void skip() {
        FAN_OUT.getAndAdd(this, SKIPPED_UNIT);
    }

    /** Records that close cut the fan-out run short before every handler had this event. */
    void cut() {
        FAN_OUT.getAndBitwiseOr(this, CUT);
    }

    /** Tells whether close cut the fan-out run short for this event. */
    boolean isCut() {
        return ((int) FAN_OUT.getVolatile(this) & CUT) != 0;
    }

    /** Returns how many handlers of a fan-out run of {@code planned} handlers ran it. */
    int invokedOf(int planned) {
        return planned - (((int) FAN_OUT.getVolatile(this) >>> 16) & SKIPPED_MASK);
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
        if (meta instanceof Extras extras && extras.instant != null) {
            return extras.instant;
        }
        return lane.bus.timestamps().instantAt(nanos);
    }

    @Override
    public Headers headers() {
        return meta instanceof Extras extras ? extras.headers : (Headers) meta;
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
        return lane.bus.publisher().fromWork(lane, next, headers());
    }

    @Override
    public <R> CommandResult<R> execute(Command<R> command) {
        return lane.bus.executeFromWork(lane, command, headers());
    }

    @Override
    public String toString() {
        return "event " + event.getClass().getSimpleName() + " (id=" + id + ", session=" + lane.sessionId + ")";
    }
}
