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
    /**
     * Events the failing handler failed at every attempt (counted at the first): what the bus
     * counts as handler failures, once per event however many attempts were made.
     */
    final LongAdder handlerThrows = new LongAdder();
    /** Events the failing handler failed at the first attempt only (its retry succeeds). */
    final LongAdder eventTransientThrows = new LongAdder();
    /** Attempts of the failing handler after the first: the event pipeline's retries. */
    final LongAdder eventRetryAttempts = new LongAdder();
    /** Retries of the failing handler that succeeded. */
    final LongAdder eventRetrySucceeded = new LongAdder();
    final LongAdder handlerInterrupted = new LongAdder();
    final LongAdder duplicates = new LongAdder();
    final LongAdder fifoViolations = new LongAdder();
    final LongAdder declinedDelivered = new LongAdder();
    final LongAdder droppedObserved = new LongAdder();
    final LongAdder duplicateDrops = new LongAdder();
    final LongAdder sessionsOpened = new LongAdder();
    final LongAdder sessionsClosed = new LongAdder();
    final LongAdder queueAboveCapacity = new LongAdder();

    /** Every command result the harness received: each is exactly one of the outcomes below. */
    final LongAdder commandResults = new LongAdder();
    final LongAdder commandSuccess = new LongAdder();
    final LongAdder commandWrongValue = new LongAdder();
    final LongAdder commandThrew = new LongAdder();
    /** TimedOut by the bus's execute timeout (or the replay's). */
    final LongAdder commandTimedOut = new LongAdder();
    /** TimedOut by the pipeline's attempt timeout. */
    final LongAdder commandAttemptTimedOut = new LongAdder();
    final LongAdder commandCancelled = new LongAdder();
    final LongAdder commandRejected = new LongAdder();
    final LongAdder commandNoHandler = new LongAdder();
    final LongAdder commandCircuitOpen = new LongAdder();
    final LongAdder commandBulkheadFull = new LongAdder();
    final LongAdder commandRetriesExhausted = new LongAdder();
    /** Approval causes, Unavailable among the results, RateLimited, Other: none expected. */
    final LongAdder commandOther = new LongAdder();
    /** Results of executions the pipeline guarded (chaos commands and their replays). */
    final LongAdder guardedResults = new LongAdder();
    /** Failures of first executions (not replays) the policy dead-letters: what the queue should hold. */
    final LongAdder deadLetterExpected = new LongAdder();

    /** Attempts of the command handler, retries included. */
    final LongAdder commandAttempts = new LongAdder();
    /** Attempts after the first. */
    final LongAdder commandRetryAttempts = new LongAdder();
    /** Executions that made a second attempt: commands retried. */
    final LongAdder commandsRetried = new LongAdder();
    /** Attempts interrupted (by the attempt timeout, a bus timeout or the close). */
    final LongAdder commandAttemptsInterrupted = new LongAdder();
    /** Attempts that failed because the handler's dependency was in an outage. */
    final LongAdder commandOutageThrows = new LongAdder();

    /** Circuit breaker transitions, as the breakers' listener saw them. */
    final LongAdder breakerTransitions = new LongAdder();
    final LongAdder breakerOpened = new LongAdder();
    final LongAdder breakerHalfOpened = new LongAdder();
    final LongAdder breakerClosed = new LongAdder();
    /** Milliseconds the breakers spent OPEN (from each transition to OPEN to the next transition). */
    final LongAdder breakerOpenMillis = new LongAdder();

    /** Dead letter replays asked for at the end of the run, and what each came to. */
    final LongAdder replayAttempted = new LongAdder();
    final LongAdder replayReplayed = new LongAdder();
    final LongAdder replayStillFailing = new LongAdder();
    final LongAdder replayNotReplayed = new LongAdder();
    final LongAdder replayUnknownId = new LongAdder();
    /** The dead letters listed before the replay, those that timed out, and those of them with 0 attempts. */
    final LongAdder deadLettersListed = new LongAdder();
    final LongAdder deadLettersTimedOut = new LongAdder();
    final LongAdder deadLettersTimedOutNoAttempts = new LongAdder();
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
        json.put("event_transient_throws", eventTransientThrows.sum());
        json.put("event_retry_attempts", eventRetryAttempts.sum());
        json.put("event_retry_succeeded", eventRetrySucceeded.sum());
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
        commands.put("attempt_timed_out", commandAttemptTimedOut.sum());
        commands.put("cancelled", commandCancelled.sum());
        commands.put("rejected", commandRejected.sum());
        commands.put("no_handler", commandNoHandler.sum());
        commands.put("circuit_open", commandCircuitOpen.sum());
        commands.put("bulkhead_full", commandBulkheadFull.sum());
        commands.put("retries_exhausted", commandRetriesExhausted.sum());
        commands.put("other", commandOther.sum());
        commands.put("refused_closed", commandRefusedClosed.sum());
        commands.put("guarded_results", guardedResults.sum());
        commands.put("dead_letter_expected", deadLetterExpected.sum());
        commands.put("attempts", commandAttempts.sum());
        commands.put("retry_attempts", commandRetryAttempts.sum());
        commands.put("retried", commandsRetried.sum());
        commands.put("attempts_interrupted", commandAttemptsInterrupted.sum());
        commands.put("outage_throws", commandOutageThrows.sum());
        json.put("commands", commands);
        json.put("breaker_transitions", Row.of("all", breakerTransitions.sum(), "opened", breakerOpened.sum(),
                "half_opened", breakerHalfOpened.sum(), "closed", breakerClosed.sum(), "open_ms",
                breakerOpenMillis.sum()));
        json.put("replays", Row.of("attempted", replayAttempted.sum(), "replayed", replayReplayed.sum(),
                "still_failing", replayStillFailing.sum(), "not_replayed", replayNotReplayed.sum(),
                "unknown_id", replayUnknownId.sum()));
        json.put("dead_letters_listed", Row.of("entries", deadLettersListed.sum(), "timed_out",
                deadLettersTimedOut.sum(), "timed_out_with_0_attempts", deadLettersTimedOutNoAttempts.sum()));
        return json;
    }
}
