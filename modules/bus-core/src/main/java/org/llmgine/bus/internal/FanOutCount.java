package org.llmgine.bus.internal;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * What a fan-out run counts of one delivery, packed into one int its handler threads update
 * atomically: how many of them have not finished with it yet (the one that takes that to zero
 * settles the delivery), whether one of them started it (for the dispatch time observers see), how
 * many skipped it (a registration closed meanwhile), and whether close cut the run short. A superclass of {@link Delivery}, so the count lives in the envelope itself
 * and a run allocates nothing per event.
 */
abstract sealed class FanOutCount extends Mailbox.Node permits Delivery {

    private static final VarHandle FAN_OUT;
    private static final int REMAINING_MASK = 0x7FFF;
    private static final int STARTED = 1 << 15;
    private static final int SKIPPED_UNIT = 1 << 16;
    private static final int SKIPPED_MASK = 0x3FFF;
    private static final int REPORTED = 1 << 30;
    private static final int CUT = 1 << 31;

    static {
        try {
            FAN_OUT = MethodHandles.lookup().findVarHandle(FanOutCount.class, "fanOut", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    @SuppressWarnings("unused") // accessed through FAN_OUT
    private volatile int fanOut;

    /**
     * Sets how many handler threads of a fan-out run will finish with this delivery (before they
     * start; a group has far fewer than 16,384 handlers, the most the skip count holds).
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

    /**
     * Records that a handler thread of the run is starting this delivery; true for the first one
     * only, which then reports the dispatch and calls {@link #startReported()}. Used only when
     * observers watch, so that the dispatch is reported once, when it really begins.
     */
    boolean firstStart() {
        int seen;
        do {
            seen = (int) FAN_OUT.getVolatile(this);
            if ((seen & STARTED) != 0) {
                return false;
            }
        } while (!FAN_OUT.compareAndSet(this, seen, seen | STARTED));
        return true;
    }

    /** Records that the first starter reported the dispatch. */
    void startReported() {
        FAN_OUT.getAndBitwiseOr(this, REPORTED);
    }

    /**
     * Waits (spinning: the first starter is inside one short observer callback) until the dispatch
     * was reported, so no handler's completion is reported before it.
     */
    void awaitStartReported() {
        while (((int) FAN_OUT.getVolatile(this) & REPORTED) == 0) {
            Thread.onSpinWait();
        }
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
}
