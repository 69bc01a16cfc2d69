package org.llmgine.bus.benchmarks.harness;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

final class JsonTest {

    @Test
    void write_rendersNestedMapsAndListsInOrder() {
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("system", "llmgine-bus");
        row.put("events_per_sec", 1.5e6);
        row.put("ratio", 0.25);
        row.put("ok", true);
        row.put("rounds", List.of(1, 2L));
        row.put("rows", List.of(Map.of("a", 1)));
        assertEquals("""
                {
                  "system": "llmgine-bus",
                  "events_per_sec": 1500000,
                  "ratio": 0.25,
                  "ok": true,
                  "rounds": [1, 2],
                  "rows": [
                    {
                      "a": 1
                    }
                  ]
                }
                """, Json.write(row));
    }

    @Test
    void write_escapesStrings_andWritesNonFiniteNumbersAsNull() {
        assertEquals("[\"a\\\"b\\\\c\\n\\u0001\", null, null, null]\n",
                Json.write(Arrays.asList("a\"b\\c\n\u0001", Double.NaN, Double.POSITIVE_INFINITY, null)));
    }

    @Test
    void write_refusesTypesItDoesNotKnow() {
        assertThrows(IllegalArgumentException.class, () -> Json.write(new Object()));
    }
}
