package org.llmgine.bus.benchmarks.harness;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.llmgine.bus.benchmarks.peer.MetricsVariant;

class MetricsScenarioTest {

    @Test
    void everyVariantRunsWithBothHandlers_andIsComparedWithItsOwnRoundOfTheBaseline() throws Exception {
        Options options = Options.parse(new String[] {"metrics", "--duration", "0.8", "--out",
            Path.of("target").toString()});

        ScenarioResult result = new MetricsScenario().run(options);

        List<Map<String, Object>> rows = result.rows();
        assertEquals(MetricsVariant.values().length * 2, rows.size());
        for (Map<String, Object> row : rows) {
            assertTrue(((Number) row.get("events_per_sec")).doubleValue() > 0, row.toString());
            assertEquals(0L, row.get("refused"), row.toString());
            if (row.get("system").equals(MetricsVariant.OFF.label())) {
                assertEquals(1.0, ((Number) row.get("vs_off")).doubleValue(), 1e-9, "the baseline against itself");
            }
        }
        assertEquals(List.of(0L, MetricsScenario.WORK_NANOS), rows.stream().map(r -> r.get("handler_work_ns"))
                .distinct().toList());
    }

    @Test
    void variantsAreFoundByLabel() {
        for (MetricsVariant v : MetricsVariant.values()) {
            assertEquals(v, MetricsVariant.byLabel(v.label()));
        }
    }
}
