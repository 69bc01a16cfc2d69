package org.llmgine.bus.benchmarks.harness;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * What one scenario produced: its rows (one per system and case), the columns of its table,
 * scenario-level details, and the invariant breaches it found (only chaos checks invariants; any
 * breach makes the harness exit non-zero).
 *
 * @param scenario the scenario's name
 * @param columns the row fields its table shows, in order
 * @param rows one row per measured case
 * @param details further figures for the JSON file (settings, totals)
 * @param breaches human-readable descriptions of broken invariants; empty when all held
 */
record ScenarioResult(String scenario, List<String> columns, List<Map<String, Object>> rows,
        Map<String, Object> details, List<String> breaches) {

    ScenarioResult {
        columns = List.copyOf(columns);
        rows = List.copyOf(rows);
        details = new LinkedHashMap<>(details);
        breaches = List.copyOf(breaches);
    }

    /**
     * Tells whether every invariant held.
     *
     * @return true without breaches
     */
    boolean ok() {
        return breaches.isEmpty();
    }

    /**
     * Returns the JSON document of this result.
     *
     * @param machine the machine and JVM description
     * @return an ordered map for {@link Json#write(Object)}
     */
    Map<String, Object> toJson(Map<String, Object> machine) {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("scenario", scenario);
        json.put("ok", ok());
        json.put("machine", machine);
        json.putAll(details);
        json.put("rows", new ArrayList<>(rows));
        json.put("breaches", breaches);
        return json;
    }

    /**
     * Returns the table of the bus's ratios to each peer (the {@code ratios} detail), or null if the
     * scenario has none.
     *
     * @return the ratios' columns and rows, for {@link Table}
     */
    @Nullable RatioTable ratioTable() {
        if (!(details.get("ratios") instanceof List<?> ratios) || ratios.isEmpty()) {
            return null;
        }
        List<Map<String, Object>> rows = new ArrayList<>();
        List<String> columns = new ArrayList<>();
        for (Object r : ratios) {
            if (r instanceof Map<?, ?> map) {
                Map<String, Object> row = new LinkedHashMap<>();
                map.forEach((k, v) -> row.put(String.valueOf(k), v));
                row.keySet().stream().filter(k -> !columns.contains(k)).forEach(columns::add);
                rows.add(row);
            }
        }
        return new RatioTable(columns, rows);
    }

    /**
     * The ratios of a scenario as a table.
     *
     * @param columns the fields, in order of first appearance
     * @param rows one row per bus case
     */
    record RatioTable(List<String> columns, List<Map<String, Object>> rows) {
    }
}
