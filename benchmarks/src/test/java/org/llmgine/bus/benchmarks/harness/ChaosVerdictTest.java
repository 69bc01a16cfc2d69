package org.llmgine.bus.benchmarks.harness;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.llmgine.bus.BusState;
import org.llmgine.bus.BusStats;
import org.llmgine.bus.CloseReport;
import org.llmgine.bus.OverflowStrategy;
import org.llmgine.bus.UnfinishedEvent;
import org.llmgine.bus.benchmarks.harness.ChaosMessages.ChaosEvent;
import org.llmgine.bus.message.Headers;
import org.llmgine.bus.message.MessageId;
import org.llmgine.bus.resilience.DeadLetterQueue;
import org.llmgine.bus.resilience.ErrorStats;

/**
 * The chaos verdict on hand-made runs: ten events accepted, eight handled, one cancelled before its
 * witness ran, one returned by the close; nine command results (three successes, one of them a
 * replay, two retries exhausted, an attempt timeout, a bulkhead and a breaker refusal, and the
 * closing command cancelled), with the policy's figures to match.
 */
final class ChaosVerdictTest {

    private static final UUID ORIGIN = MessageId.newOrigin(0);

    private static BusStats stats(long published, long accepted, long delivered, long cancelled, long returned,
            int queueSize) {
        return stats(published, accepted, delivered, cancelled, returned, queueSize, 9);
    }

    private static BusStats stats(long published, long accepted, long delivered, long cancelled, long returned,
            int queueSize, long commands) {
        return new BusStats("chaos-test", BusState.CLOSED,
                new BusStats.Queue(queueSize, ChaosRun.CAPACITY, 100, false, 1, 0),
                new BusStats.Events(published, accepted, 0, 0, published - accepted, delivered, 0, cancelled, returned,
                        0, 0),
                new BusStats.Commands(commands, 3, commands - 3, 1, 0, 0), new BusStats.Scheduled(0, 0, 0, 0, 0, 0, 0),
                new BusStats.Approvals(0, 0, 0, 0, 0), new BusStats.Sessions(0, 0, 0, 0, 0));
    }

    private static ChaosRun consistentRun() {
        ChaosRun run = new ChaosRun(OverflowStrategy.BLOCK, 1);
        ChaosCounts counts = run.counts;
        counts.published.add(10);
        counts.accepted.add(10);
        for (long seq = 0; seq < 10; seq++) {
            counts.acceptedSet.add(seq);
        }
        for (long seq = 0; seq < 8; seq++) {
            counts.seenSet.add(seq);
        }
        counts.returnedSet.add(9);
        // commands: 8 through the pipeline (one a replay), the closing one cancelled
        counts.commandResults.add(9);
        counts.guardedResults.add(8);
        counts.commandSuccess.add(3);
        counts.commandRetriesExhausted.add(2);
        counts.commandAttemptTimedOut.add(1);
        counts.commandBulkheadFull.add(1);
        counts.commandCircuitOpen.add(1);
        counts.commandCancelled.add(1);
        counts.deadLetterExpected.add(3);
        counts.commandsRetried.add(2);
        counts.commandRetryAttempts.add(3);
        counts.commandAttempts.add(12);
        counts.commandAttemptsInterrupted.add(1);
        counts.breakerTransitions.add(3);
        counts.breakerOpened.add(1);
        counts.breakerHalfOpened.add(1);
        counts.breakerClosed.add(1);
        counts.replayAttempted.add(2);
        counts.replayReplayed.add(1);
        counts.replayNotReplayed.add(1);
        counts.eventTransientThrows.add(1);
        counts.eventRetryAttempts.add(1);
        return run;
    }

    private static ChaosResilience.Snapshot resilience(long deadLettersAdded) {
        return new ChaosResilience.Snapshot(new DeadLetterQueue.Stats((int) deadLettersAdded - 1,
                ChaosResilience.DLQ_CAPACITY, deadLettersAdded, 0, 0, 1, 0, 0), 1, 3,
                new ErrorStats.Snapshot(ChaosResilience.COMMAND_KEY, 8, 5, 11, 8, 0, null, null),
                new ErrorStats.Snapshot(ChaosResilience.EVENT_KEY, 8, 0, 9, 1, 0, null, null), List.of(), List.of());
    }

    private static ChaosRun.Outcome outcome(ChaosRun run, BusStats stats) {
        return new ChaosRun.Outcome(run, stats, report(), 100, 0, 1, resilience(3));
    }

    private static CloseReport report() {
        return new CloseReport(false, Duration.ofMillis(25), List.of(unfinished(9)), List.of(unfinished(8)), 1, 0, 0);
    }

    private static UnfinishedEvent unfinished(long seq) {
        return new UnfinishedEvent(new MessageId(ORIGIN, MessageId.Kind.EVENT, seq + 1), "s",
                new ChaosEvent(seq, 0, false, ChaosMessages.NORMAL), Headers.empty());
    }

    private static void assertBreach(ChaosVerdict verdict, String part) {
        assertTrue(verdict.breaches().stream().anyMatch(b -> b.contains(part)), verdict.breaches().toString());
    }

    @Test
    void aConsistentRun_hasNoBreaches_andLosesNothing() {
        ChaosVerdict verdict = new ChaosVerdict(outcome(consistentRun(), stats(10, 10, 8, 1, 1, 0)));
        assertEquals(List.of(), verdict.breaches());
        assertEquals(0L, verdict.row().get("lost"));
        assertEquals(0L, verdict.toJson().get("lost"));
        assertEquals(2L, verdict.row().get("retried"));
        assertEquals(3L, verdict.row().get("dead_lettered"));
        assertEquals(1L, verdict.row().get("replayed"));
    }

    @Test
    void anEventInNoTerminalState_isReportedLost() {
        ChaosVerdict verdict = new ChaosVerdict(outcome(consistentRun(), stats(10, 10, 7, 1, 1, 0)));
        assertEquals(1L, verdict.row().get("lost"));
        assertTrue(verdict.breaches().stream().anyMatch(b -> b.contains("lost = ") && b.endsWith("= 1")),
                verdict.breaches().toString());
    }

    @Test
    void aDuplicateDelivery_aHandledRejectedEvent_andAStatsMismatch_areBreaches() {
        ChaosRun run = consistentRun();
        run.counts.duplicates.increment();
        run.counts.seenSet.add(42); // never accepted
        run.counts.published.increment(); // the harness saw one publish more than the bus
        ChaosVerdict verdict = new ChaosVerdict(outcome(run, stats(10, 10, 8, 1, 1, 0)));
        assertBreach(verdict, "reached a handler twice");
        assertBreach(verdict, "never accepted");
        assertBreach(verdict, "stats published = 10 but the harness counted 11");
    }

    @Test
    void aQueueAboveCapacity_isABreach() {
        ChaosVerdict verdict = new ChaosVerdict(new ChaosRun.Outcome(consistentRun(),
                stats(10, 10, 8, 1, 0, ChaosRun.CAPACITY + 1), report(), ChaosRun.CAPACITY + 1, 0, 1, resilience(3)));
        assertBreach(verdict, "queueSize after close");
    }

    @Test
    void aCommandResultOfNoCause_isABreach() {
        ChaosRun run = consistentRun();
        run.counts.commandResults.increment(); // a result counted, but as neither success nor any failure
        ChaosVerdict verdict = new ChaosVerdict(outcome(run, stats(10, 10, 8, 1, 1, 0, 10)));
        assertBreach(verdict, "command results 10 != success + failures by cause 9");
    }

    @Test
    void aResilienceFeatureThatNeverHappened_isABreach() {
        ChaosRun run = consistentRun();
        run.counts.breakerOpened.reset();
        run.counts.breakerHalfOpened.reset();
        run.counts.breakerClosed.reset();
        run.counts.replayAttempted.reset();
        run.counts.replayReplayed.reset();
        run.counts.replayNotReplayed.reset();
        ChaosVerdict verdict = new ChaosVerdict(outcome(run, stats(10, 10, 8, 1, 1, 0)));
        assertBreach(verdict, "no circuit breaker transitions to OPEN in the run");
        assertBreach(verdict, "no dead letter replays attempted in the run");
        ChaosVerdict nothing = new ChaosVerdict(new ChaosRun.Outcome(consistentRun(), stats(10, 10, 8, 1, 1, 0),
                report(), 100, 0, 1, ChaosResilience.Snapshot.empty()));
        assertBreach(nothing, "no dead-lettered entries in the run");
    }

    @Test
    void policyCountsThatDisagreeWithTheHarness_areBreaches() {
        ChaosRun run = consistentRun();
        run.counts.replayStillFailing.increment(); // an outcome more than replays attempted
        run.counts.commandRetryAttempts.add(10); // more than 2 retries per command retried
        ChaosVerdict verdict = new ChaosVerdict(new ChaosRun.Outcome(run, stats(10, 10, 8, 1, 1, 0), report(), 100,
                0, 1, resilience(6)));
        assertBreach(verdict, "replays attempted 2 != replayed + still failing + not replayed + unknown id 3");
        assertBreach(verdict, "13 retry attempts for 2 commands retried");
        // 6 added where the harness expects 3, give or take the one cancelled result
        assertBreach(verdict, "dead letters added = 6 outside [3, 4]");
    }
}
