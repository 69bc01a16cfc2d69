package org.llmgine.bus.internal;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * A worker's turn on a lane: takes the lane's deliveries in batches and runs them one after
 * another, cutting each batch into fan-out runs (consecutive events whose plan is one group of
 * several handlers) and single events, until the lane is empty or other lanes are waiting.
 *
 * <p>When the lane runs dry and no other lane waits, the worker watches it for
 * {@link #LINGER_NANOS} before letting it go, so a steady stream into one lane is served without
 * the lane going idle and being queued again between two events.
 *
 * <p>When close cancels, the events not yet started (the rest of the batch and the mailbox) are
 * returned, and the lane is retired. Nothing here may leave a lane scheduled without a worker: if
 * something unexpected throws, the lane is handed back to the ready queue before the error
 * propagates to the worker (which logs it and goes on).
 *
 * <p>Thread-confined: one instance per worker thread, with its scratch arrays.
 */
final class LaneRunner {

    /** How long a worker keeps an empty lane when nothing else waits. */
    static final long LINGER_NANOS = 5_000L;

    private final DefaultMessageBus bus;
    private final EventDispatch dispatch;
    private final Workers workers;
    private final boolean evictable;
    private final Delivery[] batch;
    private final Delivery[] run;

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
        Binding.enter(lane.binding);
        boolean released = false;
        try {
            while (true) {
                int n = lane.take(batch);
                try {
                    if (n > 0) {
                        runBatch(lane, n);
                    }
                } finally {
                    Arrays.fill(batch, 0, n, null);
                    Arrays.fill(run, null);
                }
                if (bus.isCancelling()) {
                    retire(lane);
                    released = true;
                    return;
                }
                if (!lane.hasWaiting() && !workers.othersReady()) {
                    linger(lane);
                }
                int next = lane.endTurn(workers);
                if (next == Lane.RETIRE) {
                    retire(lane);
                }
                if (next != Lane.CONTINUE) {
                    released = true;
                    return;
                }
            }
        } finally {
            if (!released) {
                // Something unexpected threw: never leave the lane scheduled without a worker.
                if (!lane.handOff(workers)) {
                    retire(lane);
                }
            }
            Binding.leave();
        }
    }

    private void linger(Lane lane) {
        long until = System.nanoTime() + LINGER_NANOS;
        while (!lane.hasWaiting() && !workers.othersReady() && !bus.isCancelling()) {
            for (int i = 0; i < 16; i++) {
                Thread.onSpinWait();
            }
            if (System.nanoTime() - until > 0) {
                return;
            }
        }
    }

    private void retire(Lane lane) {
        bus.shutdown().handBack(lane.retire());
    }

    /** Runs {@code batch[0..n)} in order; once close cancels, returns what has not started. */
    private void runBatch(Lane lane, int n) {
        int i = 0;
        while (i < n) {
            if (bus.isCancelling()) {
                returnRest(i, n);
                return;
            }
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
                dispatch.fanOut(lane, plan.groups[0], run, count);
                i = j;
            } else {
                dispatch.deliver(delivery, plan);
                i++;
            }
        }
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
