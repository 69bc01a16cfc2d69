package org.llmgine.bus.internal;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * A worker's turn on a lane: takes the lane's deliveries in batches and runs them one after
 * another, cutting each batch into fan-out runs (consecutive events whose plan is one group of
 * several handlers) and single events, until the lane is empty or other lanes are waiting.
 *
 * <p>When the lane runs dry and no other lane waits, the worker keeps it for up to
 * {@link Workers#SPIN_NANOS} if it can take the pool's spin token, watching for its next event (or
 * for another lane becoming ready), so a steady stream into one lane is served without the lane
 * going idle and being queued again, and without a wake-up, between two events.
 *
 * <p>When close cancels, the events not yet started (the rest of the batch and the mailbox) are
 * returned, and the lane is retired. Nothing here may leave a lane scheduled without a worker: if
 * something unexpected throws, the lane is handed back to the ready queue before the error
 * propagates to the worker (which logs it and goes on).
 *
 * <p>Thread-confined: one instance per worker thread, with its scratch arrays.
 */
final class LaneRunner {

    /** How often a lingering worker looks at its lane. */
    static final long LOOK_NANOS = 1_000L;
    private static final VarHandle PROGRESS;

    static {
        try {
            PROGRESS = MethodHandles.lookup().findVarHandle(LaneRunner.class, "progress", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final DefaultMessageBus bus;
    private final EventDispatch dispatch;
    private final Workers workers;
    private final boolean evictable;
    private final Delivery[] batch;
    private final Delivery[] run;
    /** Events this worker has started; written by it alone, read by the pool's monitor. */
    @SuppressWarnings("unused") // accessed through PROGRESS
    private long progress;

    LaneRunner(DefaultMessageBus bus, int batchSize) {
        this.bus = bus;
        this.dispatch = bus.dispatch();
        this.workers = bus.workers();
        this.evictable = bus.evictions() != null;
        this.batch = new Delivery[batchSize];
        this.run = new Delivery[batchSize];
    }

    /** Serves a lane this worker took from the ready queue, until its turn ends. */
    void serve(Lane lane) {
        Binding.enter(lane.binding());
        boolean released = false;
        try {
            while (true) {
                int n = lane.take(batch);
                int runs = 0;
                try {
                    if (n > 0) {
                        runs = runBatch(lane, n);
                    }
                } finally {
                    Arrays.fill(batch, 0, n, null);
                    Arrays.fill(run, 0, runs, null);
                }
                if (bus.isCancelling()) {
                    released = true;
                    lane.retire();
                    return;
                }
                boolean spun = !lane.hasWaiting() && !workers.othersReady() && workers.startSpinning();
                int next = Lane.CONTINUE;
                try {
                    if (spun) {
                        linger(lane);
                    }
                    next = lane.endTurn(workers);
                } finally {
                    if (spun) {
                        workers.stopSpinning(next != Lane.CONTINUE); // a released lane's worker polls next
                    }
                }
                if (next != Lane.CONTINUE) {
                    released = true; // from here on the lane may be another worker's
                    if (next == Lane.REQUEUE) {
                        lane.requeue(workers);
                    } else {
                        lane.signalIdle();
                    }
                    return;
                }
            }
        } finally {
            if (!released) {
                // Something unexpected threw: never leave the lane scheduled without a worker.
                lane.handOff(workers);
            }
            Binding.leave();
        }
    }

    /** Progress made so far: the events this worker started (the monitor's measure of a stuck worker). */
    long progress() {
        return (long) PROGRESS.getOpaque(this);
    }

    /**
     * Keeps an empty lane for up to {@link Workers#SPIN_NANOS}, looking about once every
     * {@link #LOOK_NANOS} for its next event or another ready lane. Not more often: the next event
     * is linked into the line this worker reads, so each look while the publisher writes costs the
     * publisher a cache-line transfer; looking once a microsecond lets a fast publisher add a few
     * events undisturbed, which the worker then takes as one batch.
     */
    private void linger(Lane lane) {
        long now = System.nanoTime();
        long until = now + Workers.SPIN_NANOS;
        while (!lane.hasWaiting() && !workers.othersReady() && !bus.isCancelling()) {
            now = Workers.pauseOneLook(now);
            if (now - until > 0) {
                return;
            }
        }
    }

    /**
     * Runs {@code batch[0..n)} in order; once close cancels, returns what has not started. Returns
     * how much of {@code run} it used.
     */
    private int runBatch(Lane lane, int n) {
        int used = 0;
        int i = 0;
        while (i < n) {
            if (bus.isCancelling()) {
                returnRest(i, n);
                return used;
            }
            PROGRESS.setOpaque(this, (long) PROGRESS.getOpaque(this) + 1);
            Delivery delivery = batch[i];
            if (evictable && !delivery.start()) {
                i++; // evicted while it waited; its slot was freed then
                continue;
            }
            Plan plan = planOf(lane, delivery);
            if (plan != null && plan.fanOut) {
                run[0] = delivery;
                int count = 1;
                int j = i + 1;
                for (; j < n; j++) {
                    Delivery next = batch[j];
                    if (planOf(lane, next) != plan) {
                        break;
                    }
                    if (!evictable || next.start()) {
                        run[count++] = next;
                    }
                }
                used = Math.max(used, count);
                try {
                    dispatch.fanOut(lane, plan.groups[0], run, count);
                } catch (Throwable t) {
                    dispatch.abandonRun(run, count, plan.groups[0].length, t); // its threads are joined
                }
                i = j;
            } else {
                try {
                    dispatch.deliver(delivery, plan);
                } catch (Throwable t) {
                    dispatch.busFailure(delivery, t); // deliver settles in a finally; the batch goes on
                }
                i++;
            }
        }
        return used;
    }

    private @Nullable Plan planOf(Lane lane, Delivery delivery) {
        try {
            return lane.dispatchPlan(delivery.event.getClass());
        } catch (Throwable t) {
            dispatch.busFailure(delivery, t);
            return null;
        }
    }

    private void returnRest(int from, int to) {
        List<Delivery> rest = new ArrayList<>(to - from);
        for (int k = from; k < to; k++) {
            rest.add(batch[k]);
        }
        bus.shutdown().handBack(rest);
    }
}
