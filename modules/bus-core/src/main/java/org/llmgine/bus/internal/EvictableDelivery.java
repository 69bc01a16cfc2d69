package org.llmgine.bus.internal;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import org.jspecify.annotations.Nullable;
import org.llmgine.bus.message.Event;
import org.llmgine.bus.message.Headers;

/**
 * A user event's envelope under DROP_OLDEST: it can be evicted until its handlers start, and it
 * is linked into the {@link Evictions} list of unfinished user events in acceptance order. Other
 * strategies never pay for these fields.
 *
 * <p>Concurrency: {@code state} moves PENDING -> STARTED (its worker, just before the handlers run)
 * or PENDING -> DROPPED (an eviction) by compare-and-set, so exactly one wins. {@code evictPrev}
 * and {@code evictNext} are guarded by the {@link Evictions} lock.
 */
final class EvictableDelivery extends Delivery {

    static final int PENDING = 0;
    static final int STARTED = 1;
    static final int DROPPED = 2;

    private static final VarHandle STATE;

    static {
        try {
            STATE = MethodHandles.lookup().findVarHandle(EvictableDelivery.class, "state", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    @SuppressWarnings("unused") // accessed through STATE
    private volatile int state;
    /** Neighbours in the eviction list of unfinished user events. */
    @Nullable EvictableDelivery evictPrev;
    @Nullable EvictableDelivery evictNext;

    EvictableDelivery(Event event, Lane lane, Headers headers, int priority, @Nullable Waiter waiter) {
        super(event, lane, headers, priority, false, waiter);
    }

    @Override
    boolean start() {
        return STATE.compareAndSet(this, PENDING, STARTED);
    }

    /** Claims the delivery for eviction; false if its handlers started first. */
    boolean drop() {
        return STATE.compareAndSet(this, PENDING, DROPPED);
    }
}
