package org.llmgine.bus.internal;

import org.llmgine.bus.BusStats;

/**
 * Builds a {@link BusStats} snapshot from the counters of a bus's parts.
 *
 * <p>Order of reads: the terminal counts before the size and the size before the acceptances, and
 * every outcome before {@code published}, which is incremented first on publish: a snapshot never
 * shows more outcomes than publishes. While events flow it may lag by the events in flight.
 */
final class StatsSnapshot {

    private StatsSnapshot() {
    }

    static BusStats of(DefaultMessageBus bus) {
        Admission admission = bus.admission();
        Publisher publisher = bus.publisher();
        long lifecycleRejected = publisher.lifecycleRejected();
        long unhandled = bus.dispatch().unhandled();
        long delivered = admission.delivered();
        long cancelled = admission.cancelled();
        long returned = admission.returned();
        long dropped = admission.dropped();
        int size = admission.sampledSize();
        long accepted = admission.accepted();
        long rejected = admission.rejected();
        long filtered = publisher.filtered();
        long published = publisher.published();
        var queue = new BusStats.Queue(size, admission.capacity(), admission.largest(), bus.marks().active(),
                bus.marks().highWaterHits(), publisher.throttled());
        var events = new BusStats.Events(published, accepted, rejected, lifecycleRejected, filtered, delivered, unhandled,
                cancelled, returned, dropped, bus.handlerFailures());
        Commands commands = bus.commands();
        long succeeded = commands.succeeded();
        long failed = commands.failed();
        int running = commands.runningCount();
        var commandStats = new BusStats.Commands(commands.executed(), succeeded, failed, commands.cancelled(), running,
                commands.refused());
        Schedules schedules = bus.schedules();
        var scheduled = new BusStats.Scheduled(schedules.pending(), schedules.fired(), schedules.rejected(),
                schedules.cancelledCount(), schedules.stored(), schedules.storeFailures(), schedules.leasesLost());
        Approvals approvals = bus.approvals();
        var approvalStats = new BusStats.Approvals(approvals.pendingCount(), approvals.approved(), approvals.denied(),
                approvals.expired(), approvals.cancelled());
        SessionRegistry sessions = bus.sessions();
        var sessionStats = new BusStats.Sessions(sessions.active(), sessions.opened(), sessions.closedCount(),
                sessions.expired(), bus.registeredHandlers());
        return new BusStats(bus.name(), bus.state(), queue, events, commandStats, scheduled, approvalStats, sessionStats);
    }
}
