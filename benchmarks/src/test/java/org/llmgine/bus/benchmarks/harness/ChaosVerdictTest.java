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

/**
 * The chaos verdict on hand-made runs: ten events accepted, eight handled, one cancelled before its
 * witness ran, one returned by the close; one command that failed.
 */
final class ChaosVerdictTest {

    private static final UUID ORIGIN = MessageId.newOrigin(0);

    private static BusStats stats(long published, long accepted, long delivered, long cancelled, long returned,
            int queueSize) {
        return new BusStats("chaos-test", BusState.CLOSED,
                new BusStats.Queue(queueSize, ChaosRun.CAPACITY, 100, false, 1, 0),
                new BusStats.Events(published, accepted, 0, 0, published - accepted, delivered, 0, cancelled, returned,
                        0, 0),
                new BusStats.Commands(1, 0, 1, 0, 0, 0), new BusStats.Scheduled(0, 0, 0, 0, 0, 0),
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
        counts.commandResults.add(1);
        return run;
    }

    private static CloseReport report() {
        return new CloseReport(false, Duration.ofMillis(25), List.of(unfinished(9)), List.of(unfinished(8)), 1, 0, 0);
    }

    private static UnfinishedEvent unfinished(long seq) {
        return new UnfinishedEvent(new MessageId(ORIGIN, MessageId.Kind.EVENT, seq + 1), "s",
                new ChaosEvent(seq, 0, false, ChaosMessages.NORMAL), Headers.empty());
    }

    @Test
    void aConsistentRun_hasNoBreaches_andLosesNothing() {
        ChaosVerdict verdict = new ChaosVerdict(new ChaosRun.Outcome(consistentRun(), stats(10, 10, 8, 1, 1, 0),
                report(), 100, 0, 1));
        assertEquals(List.of(), verdict.breaches());
        assertEquals(0L, verdict.row().get("lost"));
        assertEquals(0L, verdict.toJson().get("lost"));
    }

    @Test
    void anEventInNoTerminalState_isReportedLost() {
        ChaosVerdict verdict = new ChaosVerdict(new ChaosRun.Outcome(consistentRun(), stats(10, 10, 7, 1, 1, 0),
                report(), 100, 0, 1));
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
        ChaosVerdict verdict = new ChaosVerdict(new ChaosRun.Outcome(run, stats(10, 10, 8, 1, 1, 0), report(), 100,
                0, 1));
        List<String> breaches = verdict.breaches();
        assertTrue(breaches.stream().anyMatch(b -> b.contains("reached a handler twice")), breaches.toString());
        assertTrue(breaches.stream().anyMatch(b -> b.contains("never accepted")), breaches.toString());
        assertTrue(breaches.stream().anyMatch(b -> b.contains("stats published = 10 but the harness counted 11")),
                breaches.toString());
    }

    @Test
    void aQueueAboveCapacity_isABreach() {
        ChaosVerdict verdict = new ChaosVerdict(new ChaosRun.Outcome(consistentRun(),
                stats(10, 10, 8, 1, 0, ChaosRun.CAPACITY + 1), report(), ChaosRun.CAPACITY + 1, 0, 1));
        assertTrue(verdict.breaches().stream().anyMatch(b -> b.contains("queueSize after close")),
                verdict.breaches().toString());
    }
}
