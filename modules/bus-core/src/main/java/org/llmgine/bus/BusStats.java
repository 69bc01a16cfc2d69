package org.llmgine.bus;

import java.util.Objects;

/**
 * An immutable snapshot of a bus's counters and gauges, in small groups so that a new statistic
 * joins (or forms) a group instead of widening one long record.
 *
 * <p><b>Conservation.</b> Every published event ends in exactly one of filtered, rejected or
 * accepted; every accepted event ends in exactly one of delivered, cancelled (its handlers were
 * interrupted by close), returned (close handed it back undelivered) or dropped (DROP_OLDEST evicted
 * it before it started), or is still queued. So, once the bus is idle:
 * <pre>
 * events.published == events.filtered + events.rejected + events.accepted
 * events.accepted  == events.delivered + events.cancelled + events.returned + events.dropped + queue.size
 * commands.executed == commands.succeeded + commands.failed + commands.running
 * scheduled: every entry ever scheduled is pending, fired, cancelled or stored
 * </pre>
 * The counters are read one after another, so a snapshot taken while work flows may be off by the
 * messages in flight (never showing more outcomes than publishes).
 *
 * <p><b>Lifecycle events</b> are counted like any event, but the bus only creates one when some
 * handler could receive it (an unobserved lifecycle costs nothing), so the counts include exactly
 * the lifecycle events that were listened to.
 *
 * @param name the bus name
 * @param state the bus state
 * @param queue the queue's gauges
 * @param events event counts
 * @param commands command counts
 * @param scheduled scheduled-event counts
 * @param approvals approval counts
 * @param sessions session and handler gauges
 */
public record BusStats(String name, BusState state, Queue queue, Events events, Commands commands,
        Scheduled scheduled, Approvals approvals, Sessions sessions) {

    /**
     * Validates the snapshot.
     *
     * @param name the bus name
     * @param state the state
     * @param queue the queue
     * @param events events
     * @param commands commands
     * @param scheduled scheduled events
     * @param approvals approvals
     * @param sessions sessions
     */
    public BusStats {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(state, "state");
        Objects.requireNonNull(queue, "queue");
        Objects.requireNonNull(events, "events");
        Objects.requireNonNull(commands, "commands");
        Objects.requireNonNull(scheduled, "scheduled");
        Objects.requireNonNull(approvals, "approvals");
        Objects.requireNonNull(sessions, "sessions");
    }

    /**
     * Tells whether the bus is running.
     *
     * @return true in state RUNNING
     */
    public boolean running() {
        return state == BusState.RUNNING;
    }

    /**
     * The queue.
     *
     * @param size accepted events not yet finished (queued or being handled)
     * @param capacity the most {@code size} can be for user events (lifecycle events may also use the
     *     lifecycle reserve)
     * @param largestSize the largest {@code size} seen so far
     * @param backpressureActive whether backpressure is on (the queue reached the high water mark and
     *     has not yet come back to the low one)
     * @param highWaterHits how many times backpressure turned on
     * @param throttled publishes that ADAPTIVE paused
     */
    public record Queue(int size, int capacity, int largestSize, boolean backpressureActive, long highWaterHits,
            long throttled) {
    }

    /**
     * Events, each counted once (not per handler), lifecycle events included.
     *
     * @param published events offered to {@code publish}, including the bus's own lifecycle events
     * @param accepted events accepted into the queue
     * @param rejected events refused (queue full, publish timeout, interrupt, failing filter, closed
     *     bus or session)
     * @param lifecycleRejected the part of {@code rejected} that were lifecycle events (rejected only
     *     when the queue and its reserve are full; the first loss is logged at WARNING)
     * @param filtered events declined by a filter
     * @param delivered accepted events whose dispatch finished: their handlers ran, failed or not
     * @param unhandled the part of {@code delivered} that reached no handler at all
     * @param cancelled accepted events whose handlers were interrupted when close ran out of time
     * @param returned accepted events never dispatched, handed back in the close report
     * @param dropped accepted events evicted by DROP_OLDEST before their handlers started
     * @param handlerFailures event handler invocations that threw (counted per handler)
     */
    public record Events(long published, long accepted, long rejected, long lifecycleRejected, long filtered,
            long delivered, long unhandled, long cancelled, long returned, long dropped, long handlerFailures) {
    }

    /**
     * Command executions.
     *
     * @param executed executions started (admitted; also those that found no handler)
     * @param succeeded executions that ended in a success
     * @param failed executions that ended in a failure (any cause)
     * @param cancelled the part of {@code failed} that was cancelled (handle, id, interrupt, close)
     * @param running executions running now
     * @param refused executions refused before they started: the scope was not running (Unavailable);
     *     not part of {@code executed} (observers still see them, as started and completed with that
     *     failure), unlike a refused publish, which counts as published and rejected
     */
    public record Commands(long executed, long succeeded, long failed, long cancelled, int running, long refused) {
    }

    /**
     * Scheduled events; the names match {@link ScheduledEvent.State}.
     *
     * @param pending waiting for their due time
     * @param fired published when due
     * @param rejected the part of {@code fired} that the queue did not accept
     * @param cancelled cancelled before they were due
     * @param stored left in the store: pending when the bus closed, or held by another instance's
     *     claim when due (the count goes down again if this bus later fires such an entry)
     * @param storeFailures store calls that failed after the entry was scheduled (claim, complete,
     *     cancel, the renewal of a claim); each is logged at ERROR with the entry's id
     * @param leasesLost entries fired here whose claim another instance sharing the store took while
     *     their handlers still ran (this bus could not renew it within its lease: it stalled for
     *     longer); each is logged at WARNING, since the other instance may fire the entry again
     */
    public record Scheduled(int pending, long fired, long rejected, long cancelled, long stored, long storeFailures,
            long leasesLost) {
    }

    /**
     * Approval requests.
     *
     * @param pending waiting for a decision
     * @param approved approved
     * @param denied denied
     * @param expired expired
     * @param cancelled cancelled (command cancelled, session or bus closed)
     */
    public record Approvals(int pending, long approved, long denied, long expired, long cancelled) {
    }

    /**
     * Sessions and handlers.
     *
     * @param active open sessions
     * @param opened sessions opened so far
     * @param closed sessions closed so far (expired ones included)
     * @param expired sessions closed by idle expiry
     * @param registeredHandlers event and command handlers registered now, in every scope
     */
    public record Sessions(int active, long opened, long closed, long expired, int registeredHandlers) {
    }
}
