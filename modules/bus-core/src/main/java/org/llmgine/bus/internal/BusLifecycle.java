package org.llmgine.bus.internal;

import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;
import org.llmgine.bus.BusState;
import org.llmgine.bus.CloseReport;

/**
 * The state machine of one bus: NEW, RUNNING, CLOSING, CLOSED, the cancelling flag close sets
 * when it gives up waiting, and the one close report.
 *
 * <p>Concurrency: the state moves NEW to RUNNING by compare-and-set in {@link #start} (what starts
 * the bus runs only after the CAS succeeded), and to CLOSING and CLOSED in {@link #close}, which
 * only one thread runs: {@code closeLock} serializes start and close so that concurrent closers all
 * return the first report; it is held for the whole close (which may wait), and it is a
 * ReentrantLock so a virtual thread waiting on it does not pin its carrier.
 */
final class BusLifecycle {

    private final AtomicReference<BusState> state = new AtomicReference<>(BusState.NEW);
    private volatile boolean cancelling;
    private final ReentrantLock closeLock = new ReentrantLock();
    private @Nullable CloseReport closeReport;

    BusState state() {
        return state.get();
    }

    boolean isCancelling() {
        return cancelling;
    }

    /**
     * Moves NEW to RUNNING and runs {@code onStart}, under the close lock, so a concurrent close runs
     * entirely before or after it.
     *
     * @return true if the bus is running now (started by this call or before), false if it is closing
     *     or closed
     */
    boolean start(Runnable onStart) {
        closeLock.lock();
        try {
            if (state.compareAndSet(BusState.NEW, BusState.RUNNING)) {
                onStart.run();
                return true;
            }
        } finally {
            closeLock.unlock();
        }
        return state.get() == BusState.RUNNING;
    }

    /**
     * Closes once: moves to CLOSING and runs {@code shutdown} with the state before; later and
     * concurrent callers get the first report.
     */
    CloseReport close(Function<BusState, CloseReport> shutdown) {
        closeLock.lock();
        try {
            CloseReport report = closeReport;
            if (report == null) {
                report = shutdown.apply(state.getAndSet(BusState.CLOSING));
                closeReport = report;
            }
            return report;
        } finally {
            closeLock.unlock();
        }
    }

    /** Close ran out of time: from now on running work is cut short. */
    void cancel() {
        cancelling = true;
    }

    /** The last step of close. */
    void closed() {
        state.set(BusState.CLOSED);
    }

    /**
     * Tells whether the bus admits new work now: always while NEW or RUNNING; while CLOSING only
     * from its own in-flight work ({@code fromWork}, or {@code withinBus}: a bus thread calling the API).
     */
    boolean admits(boolean fromWork, boolean withinBus) {
        BusState current = state.get();
        return current == BusState.NEW || current == BusState.RUNNING
                || (current == BusState.CLOSING && (fromWork || withinBus));
    }
}
