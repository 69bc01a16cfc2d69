package org.llmgine.bus.internal;

import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.jspecify.annotations.Nullable;
import org.llmgine.bus.BusState;
import org.llmgine.bus.CloseReport;
import org.llmgine.bus.UnfinishedEvent;

/**
 * Closing a bus, and the ledger of the events it returned undelivered.
 *
 * <p>The steps: refuse new outside work and let in-flight work finish within the deadline; stop the
 * worker pool and return what is still queued; if anything was left, cancel (interrupt every bus
 * thread, so handlers stop and workers return what they hold); wait a short grace for the threads;
 * close the sessions and the bus scope; report.
 *
 * <p>Concurrency: one thread runs {@link #run} at a time (the bus's close lock). Any worker may
 * hand deliveries back concurrently; the ledger is a lock-free queue.
 */
final class Shutdown {

    private static final System.Logger LOG = System.getLogger("org.llmgine.bus");
    /** How long close waits for interrupted threads to stop after the drain deadline. */
    static final Duration CANCEL_GRACE = Duration.ofSeconds(1);

    private final DefaultMessageBus bus;
    private final Admission admission;
    private final @Nullable Evictions evictions;
    private final ConcurrentLinkedQueue<Delivery> handedBack = new ConcurrentLinkedQueue<>();
    private final ConcurrentLinkedQueue<Delivery> cutShort = new ConcurrentLinkedQueue<>();

    Shutdown(DefaultMessageBus bus) {
        this.bus = bus;
        this.admission = bus.admission();
        this.evictions = bus.evictions();
    }

    /**
     * Returns accepted deliveries that will not run (they never started): their slots are freed and
     * counted as returned, their waiters learn at once, and close lists them in its report. One that
     * DROP_OLDEST evicted meanwhile is skipped (it is counted as dropped). A worker stuck past the
     * close grace may hand back after the report was made; that is logged, since the report is final.
     *
     * @return how many were returned
     */
    int handBack(List<Delivery> deliveries) {
        var returned = new ArrayList<Delivery>(deliveries.size());
        for (Delivery delivery : deliveries) {
            if (evictions != null && !delivery.lifecycle) {
                if (!delivery.start()) {
                    continue;
                }
                evictions.unlink(delivery);
            }
            returned.add(delivery);
        }
        if (returned.isEmpty()) {
            return 0;
        }
        int notices = 0;
        for (Delivery delivery : returned) {
            notices += delivery.lifecycle ? 1 : 0;
        }
        admission.release(Admission.RETURNED, returned.size(), notices);
        for (Delivery delivery : returned) {
            bus.observeReturned(delivery);
            Waiter waiter = delivery.waiter();
            if (waiter != null) {
                waiter.complete(Waiter.Status.RETURNED, 0);
            }
            handedBack.add(delivery);
        }
        if (bus.state() == BusState.CLOSED) {
            LOG.log(Level.WARNING, () -> "bus '" + bus.name() + "' got " + returned.size() + " undelivered events back"
                    + " from a handler that ignored interruption, after its close report was made");
        }
        return returned.size();
    }

    /** Records an event whose handlers close interrupted (it is listed in the report). */
    void cancelled(Delivery delivery) {
        cutShort.add(delivery);
    }

    /** Closes the bus (state already CLOSING, previously {@code before}) and builds the report. */
    CloseReport run(Duration timeout, BusState before) {
        long begin = bus.ticker().read();
        long commandsCancelledBefore = bus.commands().cancelled();
        int stored = bus.schedules().stop(CANCEL_GRACE);
        bus.approvals().cancelAll("bus '" + bus.name() + "' closed while the command awaited approval");
        admission.narrow(Admission.INTERNAL_ONLY);
        boolean drained = false;
        boolean interrupted = false;
        try {
            // A bus never started cannot deliver its queued events: wait for running commands only.
            drained = bus.awaitQuiet(timeout.toNanos(), before != BusState.RUNNING);
        } catch (InterruptedException e) {
            interrupted = true;
        }
        Duration waited = Duration.ofNanos(bus.ticker().read() - begin);
        admission.narrow(Admission.CLOSED);
        long returnedBefore = admission.returned();
        for (Lane lane : bus.workers().close()) {
            lane.retire();
        }
        drained &= admission.returned() == returnedBefore;
        if (!drained) {
            // workers stop before their next event and return the rest; handlers are interrupted
            bus.cancel();
        }
        long graceEnd = bus.ticker().read() + CANCEL_GRACE.toNanos();
        int stillRunning = bus.threads().awaitAllStopped(CANCEL_GRACE.toNanos());
        try {
            bus.awaitQuiet(Math.max(0, graceEnd - bus.ticker().read()), true);
        } catch (InterruptedException e) {
            interrupted = true;
        }
        stillRunning += bus.commands().runningCount(); // command runs are counted, not tracked as threads
        var returned = new ArrayList<Delivery>();
        for (Delivery delivery = handedBack.poll(); delivery != null; delivery = handedBack.poll()) {
            returned.add(delivery);
        }
        bus.closeScopes();
        var cut = new ArrayList<Delivery>(cutShort);
        var report = new CloseReport(drained, waited, unfinished(returned), unfinished(cut),
                bus.commands().cancelled() - commandsCancelledBefore, stillRunning, stored);
        if (report.clean()) {
            LOG.log(Level.DEBUG, () -> "bus '" + bus.name() + "' closed cleanly in " + waited);
        } else {
            LOG.log(Level.WARNING, () -> "bus '" + bus.name() + "' closed after " + waited + ": drained=" + report.drained()
                    + ", returned " + report.returned().size() + " undelivered events, cancelled "
                    + report.cancelled().size() + " events and " + report.cancelledCommands() + " commands, "
                    + report.threadsStillRunning() + " threads still running");
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        return report;
    }

    private static java.util.List<UnfinishedEvent> unfinished(List<Delivery> deliveries) {
        deliveries.sort(Comparator.comparingLong(d -> d.id));
        return deliveries.stream()
                .map(d -> new UnfinishedEvent(d.messageId(), d.lane.sessionId, d.event, d.headers()))
                .toList();
    }
}
