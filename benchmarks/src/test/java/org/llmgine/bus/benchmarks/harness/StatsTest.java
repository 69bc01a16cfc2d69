package org.llmgine.bus.benchmarks.harness;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;

final class StatsTest {

    @Test
    void median_ofOddAndEvenCounts() {
        assertEquals(2.0, Stats.median(List.of(3.0, 1.0, 2.0)));
        assertEquals(2.5, Stats.median(List.of(4.0, 1.0, 2.0, 3.0)));
    }

    @Test
    void slope_ofAStraightLine_isItsGradient() {
        assertEquals(3.0, Stats.slope(new double[] {0, 1, 2, 3}, new double[] {2, 5, 8, 11}), 1e-12);
        assertTrue(Double.isNaN(Stats.slope(new double[] {1}, new double[] {1})));
        assertTrue(Double.isNaN(Stats.slope(new double[] {1, 1}, new double[] {1, 2})));
    }

    @Test
    void percentiles_areReportedInMicroseconds() {
        Histogram histogram = Stats.latencyHistogram();
        for (long us = 1; us <= 1000; us++) {
            histogram.recordValue(us * 1000);
        }
        Map<String, Object> row = Stats.percentiles(new LinkedHashMap<>(), histogram);
        assertEquals(1000L, row.get("count"));
        assertEquals(500, (double) row.get("p50_us"), 1);
        assertEquals(990, (double) row.get("p99_us"), 2);
        assertEquals(1000, (double) row.get("max_us"), 2);
    }

    @Test
    void heapTrend_judgesFlatGrowingAndTooFewSamples() {
        List<double[]> flat = new ArrayList<>();
        List<double[]> growing = new ArrayList<>();
        for (int t = 0; t <= 100; t += 5) {
            flat.add(new double[] {t, 50e6 + (t % 10 == 0 ? 1e5 : -1e5)});
            growing.add(new double[] {t, 50e6 + t * 1e6});
        }
        assertEquals("flat", SoakScenario.heapTrend(flat, 100).get("heap_verdict"));
        Map<String, Object> grows = SoakScenario.heapTrend(growing, 100);
        assertEquals("growing", grows.get("heap_verdict"));
        assertEquals(60e6, (double) grows.get("heap_slope_bytes_per_min"), 1);
        assertTrue(String.valueOf(SoakScenario.heapTrend(flat.subList(0, 2), 100).get("heap_verdict"))
                .startsWith("inconclusive"));
    }
}
