package org.llmgine.bus.benchmarks.harness;

import java.lang.reflect.RecordComponent;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.llmgine.bus.BusStats;
import org.llmgine.bus.CloseReport;
import org.llmgine.bus.OverflowStrategy;
import org.llmgine.bus.resilience.DeadLetterQueue;

/**
 * Checks one chaos run: conservation computed from {@code stats()}, the bus's counts against the
 * harness's own, the per-event sets (nothing handled twice, nothing handled that was not
 * accepted, every accepted event in exactly one terminal state), the command results (each
 * exactly one of success or a failure by cause), and the resilience policy (every feature
 * happened, its own counts agree with the harness's).
 */
final class ChaosVerdict {

    private final List<String> breaches = new ArrayList<>();
    private final ChaosRun.Outcome outcome;
    private final long lost;
    private final long unaccounted;

    /**
     * Checks a run.
     *
     * @param outcome what the run produced
     */
    ChaosVerdict(ChaosRun.Outcome outcome) {
        this.outcome = outcome;
        BusStats stats = outcome.stats();
        BusStats.Events s = stats.events();
        BusStats.Queue q = stats.queue();
        BusStats.Commands c = stats.commands();
        ChaosCounts h = outcome.run().counts;
        String bus = stats.name() + ": ";
        lost = s.published() - s.filtered() - s.rejected() - s.delivered() - s.dropped() - s.cancelled()
                - s.returned() - q.size();
        expect(lost == 0, bus + "lost = published - filtered - rejected - delivered - dropped - cancelled - returned"
                + " - queueSize = " + lost);
        long acceptedTerminal = s.delivered() + s.cancelled() + s.returned() + s.dropped() + q.size();
        expect(s.accepted() == acceptedTerminal, bus + "accepted " + s.accepted()
                + " != delivered + cancelled + returned + dropped + queueSize " + acceptedTerminal);
        expect(s.published() == s.filtered() + s.rejected() + s.accepted(), bus + "published " + s.published()
                + " != filtered + rejected + accepted " + (s.filtered() + s.rejected() + s.accepted()));
        expect(q.size() == 0, bus + "queueSize after close is " + q.size());
        same(bus, "published", s.published(), h.published.sum());
        same(bus, "accepted", s.accepted(), h.accepted.sum());
        same(bus, "filtered", s.filtered(), h.filtered.sum());
        same(bus, "rejected", s.rejected(), h.rejected.sum());
        same(bus, "dropped (observer)", s.dropped(), h.droppedObserved.sum());
        same(bus, "returned (close report)", s.returned(), outcome.report().returned().size());
        same(bus, "handlerFailures (handler throws)", s.handlerFailures(), h.handlerThrows.sum());
        same(bus, "commandsExecuted (results)", c.executed(), h.commandResults.sum());
        long commandFailures = h.commandResults.sum() - h.commandSuccess.sum();
        same(bus, "commandsFailed (failure results)", c.failed(), commandFailures);
        // Executions a closing or closed scope refused (Unavailable) never started: the bus counts them
        // as refused instead of executed, the harness apart from its results.
        same(bus, "commandsRefused (Unavailable results)", c.refused(), h.commandRefusedClosed.sum());
        expect(q.largestSize() <= q.capacity(), bus + "largestQueueSize " + q.largestSize()
                + " above capacity " + q.capacity());
        expect(h.queueAboveCapacity.sum() == 0, bus + h.queueAboveCapacity.sum()
                + " samples of queueSize above capacity (max " + outcome.maxQueueSampled() + ")");
        expect(h.duplicates.sum() == 0, bus + h.duplicates.sum() + " events reached a handler twice");
        expect(h.fifoViolations.sum() == 0, bus + h.fifoViolations.sum() + " FIFO violations");
        expect(h.declinedDelivered.sum() == 0, bus + h.declinedDelivered.sum() + " filtered events reached a handler");
        expect(h.duplicateDrops.sum() == 0, bus + h.duplicateDrops.sum() + " events dropped twice");
        expect(h.commandWrongValue.sum() == 0, bus + h.commandWrongValue.sum() + " commands answered a wrong value");
        expect(h.commandNoHandler.sum() == 0 && h.commandOther.sum() == 0, bus + "unexpected command failures: "
                + h.commandNoHandler.sum() + " NoHandler, " + h.commandOther.sum() + " approval or other causes");
        expect(outcome.report().threadsStillRunning() == 0, bus + outcome.report().threadsStillRunning()
                + " bus threads still running after close");
        expect(outcome.stuckThreads() == 0, bus + outcome.stuckThreads() + " harness threads stuck after close");
        // Under DROP_OLDEST the events queued behind the hanging handler may be evicted instead of returned.
        boolean returnedSome = s.returned() >= 1 || outcome.run().strategy == OverflowStrategy.DROP_OLDEST;
        expect(s.cancelled() >= 1 && returnedSome && outcome.report().cancelledCommands() >= 1,
                bus + "the close in mid-flight cut nothing short: cancelled " + s.cancelled() + ", returned "
                        + s.returned() + ", cancelled commands " + outcome.report().cancelledCommands());
        checkCommands(bus, h);
        checkResilience(bus, s, h, outcome.resilience());
        for (String problem : h.problems) {
            breaches.add(bus + problem);
        }
        unaccounted = checkSets(bus, s, h);
    }

    /** The command accounting is closed: every result is exactly one of success or a failure by cause. */
    private void checkCommands(String bus, ChaosCounts h) {
        long byCause = h.commandSuccess.sum() + h.commandThrew.sum() + h.commandTimedOut.sum()
                + h.commandAttemptTimedOut.sum() + h.commandCancelled.sum() + h.commandRejected.sum()
                + h.commandNoHandler.sum() + h.commandCircuitOpen.sum() + h.commandBulkheadFull.sum()
                + h.commandRetriesExhausted.sum() + h.commandOther.sum();
        expect(h.commandResults.sum() == byCause, bus + "command results " + h.commandResults.sum()
                + " != success + failures by cause " + byCause);
    }

    /**
     * Every resilience feature happened at least once, and the policy's own counts (dead letter
     * queue, bulkheads, breakers, error statistics) agree with what the harness saw. Where a bus
     * timeout or the close cancelled an execution, the pipeline may have finished (and counted,
     * dead-lettered, refused) while the caller got the cancellation: those results are the slack
     * of the bounds below.
     */
    private void checkResilience(String bus, BusStats.Events s, ChaosCounts h, ChaosResilience.Snapshot r) {
        DeadLetterQueue.Stats d = r.deadLetters();
        happened(bus, "commands retried", h.commandsRetried.sum());
        happened(bus, "circuit breaker transitions to OPEN", h.breakerOpened.sum());
        happened(bus, "CircuitOpen results", h.commandCircuitOpen.sum());
        happened(bus, "attempt timeouts (TimedOut results)", h.commandAttemptTimedOut.sum());
        happened(bus, "bulkhead rejections (BulkheadFull results)", h.commandBulkheadFull.sum());
        happened(bus, "RetriesExhausted results", h.commandRetriesExhausted.sum());
        happened(bus, "dead-lettered entries", d.added());
        happened(bus, "dead letter replays attempted", h.replayAttempted.sum());
        happened(bus, "dead letters replayed with success", h.replayReplayed.sum());
        happened(bus, "event handler retries", h.eventRetryAttempts.sum());
        long retried = h.commandsRetried.sum();
        long retryAttempts = h.commandRetryAttempts.sum();
        expect(retried <= retryAttempts && retryAttempts <= (ChaosResilience.COMMAND_ATTEMPTS - 1) * retried,
                bus + retryAttempts + " retry attempts for " + retried + " commands retried, outside [1, "
                        + (ChaosResilience.COMMAND_ATTEMPTS - 1) + "] per command");
        long outcomes = h.replayReplayed.sum() + h.replayStillFailing.sum() + h.replayNotReplayed.sum()
                + h.replayUnknownId.sum();
        expect(h.replayAttempted.sum() == outcomes, bus + "replays attempted " + h.replayAttempted.sum()
                + " != replayed + still failing + not replayed + unknown id " + outcomes);
        same(bus, "dead letters replayed (queue)", d.replayed(), h.replayReplayed.sum());
        long held = d.added() - d.evicted() - d.replayed() - d.purged();
        expect(d.size() == held, bus + "dead letter queue size " + d.size()
                + " != added - evicted - replayed - purged " + held);
        expect(d.rejected() == 0, bus + d.rejected() + " dead letters rejected by a queue that evicts the oldest");
        long slack = h.commandCancelled.sum() + h.commandTimedOut.sum();
        String cut = "cancelled or timed out by the bus";
        within(bus, "dead letters added", d.added(), h.deadLetterExpected.sum(), slack,
                "RetriesExhausted and attempt TimedOut results of first executions", cut);
        within(bus, "bulkhead rejections (bulkheads)", r.bulkheadRejected(), h.commandBulkheadFull.sum(), slack,
                "BulkheadFull results", cut);
        same(bus, "breaker transitions (snapshots)", r.breakerTransitions(), h.breakerTransitions.sum());
        within(bus, "ChaosCommand executions (error stats)", r.commandStats().executions(),
                h.guardedResults.sum() - slack, slack, "guarded results - cancelled - bus timeouts", cut);
        // An attempt the attempt timeout interrupted may or may not be counted as one (see the README).
        within(bus, "ChaosCommand attempts (error stats)", r.commandStats().attempts(),
                h.commandAttempts.sum() - h.commandAttemptsInterrupted.sum(), h.commandAttemptsInterrupted.sum(),
                "handler attempts - interrupted ones", "interrupted");
        same(bus, "failing handler's failed executions (error stats)", r.eventStats().failedExecutions(),
                s.handlerFailures());
        same(bus, "failing handler's attempts (error stats)", r.eventStats().attempts(),
                r.eventStats().executions() + h.eventRetryAttempts.sum());
        long firstFailures = h.handlerThrows.sum() + h.eventTransientThrows.sum();
        within(bus, "event handler retries", h.eventRetryAttempts.sum(), firstFailures - s.cancelled(), s.cancelled(),
                "events that failed the first attempt", "cancelled events");
    }

    private void happened(String bus, String what, long count) {
        expect(count > 0, bus + "no " + what + " in the run");
    }

    /** Expects {@code value} in {@code [expected, expected + slack]}. */
    private void within(String bus, String what, long value, long expected, long slack, String expectedName,
            String slackName) {
        expect(value >= expected && value <= expected + slack, bus + what + " = " + value + " outside ["
                + expected + ", " + (expected + slack) + "] (" + expectedName + ", + " + slack + " " + slackName + ")");
    }

    /** Every accepted event is handled, dropped or returned (or cancelled before its witness ran). */
    private long checkSets(String bus, BusStats.Events s, ChaosCounts h) {
        long none = 0;
        long multiple = 0;
        long notAccepted = 0;
        long seen = 0;
        for (long seq = 0; seq < ChaosCounts.MAX_EVENTS; seq++) {
            boolean a = h.acceptedSet.contains(seq);
            int states = (h.seenSet.contains(seq) ? 1 : 0) + (h.droppedSet.contains(seq) ? 1 : 0)
                    + (h.returnedSet.contains(seq) ? 1 : 0);
            seen += h.seenSet.contains(seq) ? 1 : 0;
            if (!a) {
                notAccepted += states > 0 ? 1 : 0;
            } else if (states == 0) {
                none++;
            } else if (states > 1) {
                multiple++;
            }
        }
        expect(notAccepted == 0, bus + notAccepted + " events handled, dropped or returned that were never accepted");
        expect(multiple == 0, bus + multiple + " events in more than one of handled, dropped, returned");
        expect(seen >= s.delivered() && seen <= s.delivered() + s.cancelled(), bus + "handled " + seen
                + " outside [delivered, delivered + cancelled] = [" + s.delivered() + ", "
                + (s.delivered() + s.cancelled()) + "]");
        expect(seen + none == s.delivered() + s.cancelled(), bus + "handled " + seen + " + unhandled " + none
                + " != delivered + cancelled " + (s.delivered() + s.cancelled()));
        return none;
    }

    private void same(String bus, String what, long stats, long harness) {
        expect(stats == harness, bus + "stats " + what + " = " + stats + " but the harness counted " + harness);
    }

    private void expect(boolean condition, String breach) {
        if (!condition) {
            breaches.add(breach);
        }
    }

    /**
     * Returns the broken invariants.
     *
     * @return empty when everything held
     */
    List<String> breaches() {
        return List.copyOf(breaches);
    }

    /**
     * Returns the table row of this run.
     *
     * @return the row
     */
    Map<String, Object> row() {
        BusStats.Events s = outcome.stats().events();
        BusStats.Queue q = outcome.stats().queue();
        ChaosCounts h = outcome.run().counts;
        DeadLetterQueue.Stats d = outcome.resilience().deadLetters();
        return Row.of("strategy", outcome.run().strategy.name(), "published", s.published(), "filtered", s.filtered(),
                "rejected", s.rejected(), "delivered", s.delivered(), "dropped", s.dropped(), "cancelled", s.cancelled(),
                "returned", s.returned(), "queueSize", q.size(), "lost", lost, "commands", h.commandResults.sum(),
                "high_water_hits", q.highWaterHits(), "throttled", q.throttled(), "retried", h.commandsRetried.sum(),
                "breaker_opened", h.breakerOpened.sum(), "timed_out", h.commandAttemptTimedOut.sum(), "bulkhead_full",
                h.commandBulkheadFull.sum(), "circuit_open", h.commandCircuitOpen.sum(), "exhausted",
                h.commandRetriesExhausted.sum(), "dead_lettered", d.added(), "dlq_evicted", d.evicted(), "replays",
                h.replayAttempted.sum(), "replayed", h.replayReplayed.sum(), "breaches", breaches.size());
    }

    /**
     * Returns everything about this run as JSON fields.
     *
     * @return the stats, the harness counts, the close report and the verdict
     */
    Map<String, Object> toJson() {
        BusStats s = outcome.stats();
        CloseReport report = outcome.report();
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("strategy", outcome.run().strategy.name());
        json.put("seconds", outcome.seconds());
        json.put("published", s.events().published());
        json.put("lost", lost);
        json.put("accepted_unhandled_cancelled", unaccounted);
        json.put("max_queue_size_sampled", outcome.maxQueueSampled());
        json.put("stats", statsJson(s));
        json.put("harness", outcome.run().counts.toJson());
        json.put("resilience", outcome.resilience().toJson());
        json.put("close_report", Row.of("drained", report.drained(), "waited_ms", report.waited().toMillis(),
                "returned", report.returned().size(), "cancelled_events", report.cancelled().size(),
                "cancelled_commands", report.cancelledCommands(), "threads_still_running",
                report.threadsStillRunning()));
        json.put("breaches", breaches());
        return json;
    }

    /**
     * Returns every component of a {@link BusStats} snapshot, by name; the components of its groups
     * (records such as {@link BusStats.Events}) are flattened under the group's name, for example
     * {@code events.delivered} and {@code queue.size}.
     *
     * @param stats the snapshot
     * @return its fields in declaration order
     */
    static Map<String, Object> statsJson(BusStats stats) {
        Map<String, Object> json = new LinkedHashMap<>();
        putComponents(json, "", stats);
        return json;
    }

    private static void putComponents(Map<String, Object> json, String prefix, Record record) {
        for (RecordComponent component : record.getClass().getRecordComponents()) {
            String name = prefix + component.getName();
            try {
                Object value = component.getAccessor().invoke(record);
                if (value instanceof Record group) {
                    putComponents(json, name + ".", group);
                } else {
                    json.put(name, value instanceof Number || value instanceof Boolean ? value : String.valueOf(value));
                }
            } catch (ReflectiveOperationException e) {
                json.put(name, "unreadable: " + e);
            }
        }
    }
}
