package org.llmgine.bus.benchmarks.harness;

import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.LongAdder;
import org.llmgine.bus.RejectionReason;

/**
 * What the chaos harness itself counted on one bus, independently of the bus's {@code stats()}:
 * outcomes of its publishes and commands, what its handlers and observer saw, and the sets of
 * sequence numbers accepted, handled, dropped and returned. All fields are safe to update from any
 * thread.
 */
final class ChaosCounts {

    /** The sequence numbers of one bus's events are below this. */
    static final long MAX_EVENTS = 1L << 24;
    /** The top of the range, kept for the events published just before the close. */
    static final long CLOSING_RESERVE = 4096;

    final LongAdder published = new LongAdder();
    final LongAdder accepted = new LongAdder();
    final LongAdder filtered = new LongAdder();
    final LongAdder rejected = new LongAdder();
    final Map<RejectionReason, LongAdder> rejectedBy = new EnumMap<>(RejectionReason.class);
    /**
     * Publishes rejected because the bus or session was closing or closed (BUS_CLOSED,
     * SESSION_CLOSED); also in {@link #rejected}, as the bus counts them.
     */
    final LongAdder refusedClosed = new LongAdder();
    final LongAdder handlerThrows = new LongAdder();
    final LongAdder handlerInterrupted = new LongAdder();
    final LongAdder duplicates = new LongAdder();
    final LongAdder fifoViolations = new LongAdder();
    final LongAdder declinedDelivered = new LongAdder();
    final LongAdder droppedObserved = new LongAdder();
    final LongAdder duplicateDrops = new LongAdder();
    final LongAdder sessionsOpened = new LongAdder();
    final LongAdder sessionsClosed = new LongAdder();
    final LongAdder queueAboveCapacity = new LongAdder();

    final LongAdder commandResults = new LongAdder();
    final LongAdder commandSuccess = new LongAdder();
    final LongAdder commandWrongValue = new LongAdder();
    final LongAdder commandThrew = new LongAdder();
    final LongAdder commandTimedOut = new LongAdder();
    final LongAdder commandCancelled = new LongAdder();
    final LongAdder commandRejected = new LongAdder();
    final LongAdder commandNoHandler = new LongAdder();
    final LongAdder commandOther = new LongAdder();
    /**
     * Executions refused as Unavailable by a closing or closed scope: never started, so neither in
     * the command results nor in the bus's executed count, but in its refused count.
     */
    final LongAdder commandRefusedClosed = new LongAdder();

    final ConcurrentBitSet acceptedSet = new ConcurrentBitSet(MAX_EVENTS);
    final ConcurrentBitSet seenSet = new ConcurrentBitSet(MAX_EVENTS);
    final ConcurrentBitSet droppedSet = new ConcurrentBitSet(MAX_EVENTS);
    final ConcurrentBitSet returnedSet = new ConcurrentBitSet(MAX_EVENTS);

    /** Unexpected things a harness thread ran into (an exception, a wrong outcome). */
    final ConcurrentLinkedQueue<String> problems = new ConcurrentLinkedQueue<>();

    ChaosCounts() {
        for (RejectionReason reason : RejectionReason.values()) {
            rejectedBy.put(reason, new LongAdder());
        }
    }

    /**
     * Records an unexpected event, keeping the first few descriptions.
     *
     * @param description what happened
     */
    void problem(String description) {
        if (problems.size() < 20) {
            problems.add(description);
        }
    }

    /**
     * Returns the harness's counts as ordered JSON fields.
     *
     * @return the counts
     */
    Map<String, Object> toJson() {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("published", published.sum());
        json.put("accepted", accepted.sum());
        json.put("filtered", filtered.sum());
        json.put("rejected", rejected.sum());
        Map<String, Object> reasons = new LinkedHashMap<>();
        rejectedBy.forEach((reason, n) -> reasons.put(reason.name(), n.sum()));
        json.put("rejected_by_reason", reasons);
        json.put("refused_closed", refusedClosed.sum());
        json.put("handled_distinct", seenSet.count());
        json.put("dropped_observed", droppedObserved.sum());
        json.put("returned_in_close_report", returnedSet.count());
        json.put("handler_throws", handlerThrows.sum());
        json.put("handlers_interrupted", handlerInterrupted.sum());
        json.put("duplicates", duplicates.sum());
        json.put("fifo_violations", fifoViolations.sum());
        json.put("declined_delivered", declinedDelivered.sum());
        json.put("duplicate_drops", duplicateDrops.sum());
        json.put("queue_above_capacity_samples", queueAboveCapacity.sum());
        json.put("sessions_opened", sessionsOpened.sum());
        json.put("sessions_closed", sessionsClosed.sum());
        Map<String, Object> commands = new LinkedHashMap<>();
        commands.put("results", commandResults.sum());
        commands.put("success", commandSuccess.sum());
        commands.put("wrong_value", commandWrongValue.sum());
        commands.put("handler_threw", commandThrew.sum());
        commands.put("timed_out", commandTimedOut.sum());
        commands.put("cancelled", commandCancelled.sum());
        commands.put("rejected", commandRejected.sum());
        commands.put("no_handler", commandNoHandler.sum());
        commands.put("other", commandOther.sum());
        commands.put("refused_closed", commandRefusedClosed.sum());
        json.put("commands", commands);
        return json;
    }
}
