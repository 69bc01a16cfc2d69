package org.llmgine.bus.benchmarks.jmh;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.llmgine.bus.benchmarks.jmh.StoreRatios.Ratio;
import org.llmgine.bus.benchmarks.jmh.StoreRatios.Score;
import org.llmgine.bus.benchmarks.jmh.StoreRatios.Store;

/** The store ratios pair each store with the baselines of its own rows and database. */
final class StoreRatiosTest {

    private static Score score(String method, String database, String writer, double rows) {
        return new Score(method, database, writer, rows);
    }

    private static List<Ratio> outboxRound(double store, double plainInsert) {
        return StoreRatios.ratios(List.of(score("outbox", "H2", "STORE", store),
                score("outbox", "H2", "PLAIN_INSERT", plainInsert)));
    }

    @Test
    void perRowStores_matchPlainInsert_theEventLog_matchesPlainBatch() {
        List<Ratio> ratios = StoreRatios.ratios(List.of(
                score("scheduledEvents", "H2", "STORE", 400), score("scheduledEvents", "H2", "PLAIN_INSERT", 1000),
                score("scheduledEvents", "H2", "PLAIN_BATCH", 8000),
                score("eventLog", "H2", "STORE", 3000), score("eventLog", "H2", "PLAIN_INSERT", 1000),
                score("eventLog", "H2", "PLAIN_BATCH", 5000)));
        assertEquals(2, ratios.size());
        Ratio scheduled = ratios.get(0);
        assertEquals(Store.SCHEDULED_EVENTS, scheduled.store());
        assertEquals(0.4, scheduled.matching(), 1e-9);
        assertEquals(0.05, scheduled.vsBatch(), 1e-9);
        assertEquals("missed", scheduled.verdict());
        Ratio log = ratios.get(1);
        assertEquals(Store.EVENT_LOG, log.store());
        assertEquals(0.6, log.matching(), 1e-9);
        assertEquals(3.0, log.vsInsert(), 1e-9);
        assertEquals("met", log.verdict());
    }

    @Test
    void outboxCycle_isComparedWithThePlainCycle_ofItsOwnDatabase_notWithTheOutboxInserts() {
        List<Ratio> ratios = StoreRatios.ratios(List.of(
                score("outboxCycle", "POSTGRESQL", "STORE", 300),
                score("outboxCycle", "POSTGRESQL", "PLAIN_INSERT", 600), score("outboxCycle", "POSTGRESQL", "PLAIN_BATCH", 1200),
                score("outbox", "POSTGRESQL", "PLAIN_INSERT", 3000), score("outbox", "POSTGRESQL", "PLAIN_BATCH", 6000),
                score("outboxCycle", "H2", "PLAIN_INSERT", 9999), score("outboxCycle", "H2", "PLAIN_BATCH", 99999)));
        assertEquals(1, ratios.size(), "only a store that was run gets a row: " + ratios);
        Ratio cycle = ratios.get(0);
        assertEquals(Store.OUTBOX_CYCLE, cycle.store());
        assertEquals("POSTGRESQL", cycle.database());
        assertEquals(0.5, cycle.matching(), 1e-9);
        assertEquals(0.25, cycle.vsBatch(), 1e-9);
        assertEquals("met", cycle.verdict(), "the target is inclusive");
    }

    @Test
    void aMissingBaseline_givesNoRatio_andNoVerdict() {
        List<Ratio> ratios = StoreRatios.ratios(List.of(score("deadLetters", "H2", "STORE", 100),
                score("deadLetters", "H2", "PLAIN_BATCH", 1000)));
        Ratio dead = ratios.get(0);
        assertTrue(Double.isNaN(dead.matching()));
        assertEquals("-", dead.verdict());
        String table = StoreRatios.table(ratios, "ops/s");
        assertTrue(table.contains("dead letters (add)"), table);
        assertTrue(table.contains("0.100 "), table);
        assertFalse(table.contains("0.100*"), "plain batch is not the matching baseline of a per-row store: " + table);
    }

    @Test
    void medians_takeEachRoundsRatio_notTheRatioOfMedianScores() {
        List<List<Ratio>> rounds = List.of(outboxRound(100, 100), outboxRound(10, 40), outboxRound(600, 1000));
        List<StoreRatios.Median> medians = StoreRatios.medians(rounds);
        assertEquals(1, medians.size());
        StoreRatios.Median outbox = medians.get(0);
        assertEquals(List.of(1.0, 0.25, 0.6), outbox.rounds());
        assertEquals(0.6, outbox.matching(), 1e-9, "the median of 1.0, 0.25, 0.6 (median scores would give 100/100)");
        assertEquals("met", outbox.verdict());
        assertTrue(Double.isNaN(outbox.vsBatch()), "no round ran the plain batch");
        assertTrue(StoreRatios.medianTable(medians, 3).contains("1.000 0.250 0.600"));
    }

    @Test
    void median_ofAnEvenCount_isTheMeanOfTheMiddleTwo_andIgnoresNaN() {
        assertEquals(2.5, StoreRatios.median(List.of(4.0, 1.0, Double.NaN, 2.0, 3.0)), 1e-9);
        assertTrue(Double.isNaN(StoreRatios.median(List.of(Double.NaN))));
    }
}
