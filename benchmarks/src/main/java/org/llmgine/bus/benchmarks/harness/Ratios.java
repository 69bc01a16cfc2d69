package org.llmgine.bus.benchmarks.harness;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.llmgine.bus.benchmarks.peer.SystemKind;

/**
 * Ratios of the bus to each peer within one run: absolute numbers move between runs and machines,
 * ratios taken within one interleaved run are what to compare against targets.
 */
final class Ratios {

    private Ratios() {
    }

    /**
     * For every bus row, the ratio of its {@code field} to that of each peer row that matches it in
     * {@code publishers} and {@code measure} (fields a row may lack).
     *
     * @param rows a scenario's rows
     * @param field a numeric field, for example {@code events_per_sec} or {@code p99_us}
     * @return one row per bus row: its case fields, the bus's value and {@code vs_<peer>} ratios
     */
    static List<Map<String, Object>> vsPeers(List<Map<String, Object>> rows, String field) {
        List<Map<String, Object>> out = new ArrayList<>();
        String bus = SystemKind.LLMGINE_BUS.label();
        for (Map<String, Object> row : rows) {
            if (!bus.equals(row.get("system")) || !(row.get(field) instanceof Number value)) {
                continue;
            }
            Map<String, Object> ratio = Row.of("sessions", row.get("sessions"));
            copy(row, ratio, "publishers");
            copy(row, ratio, "measure");
            ratio.put("field", field);
            ratio.put(bus, value.doubleValue());
            for (Map<String, Object> peer : rows) {
                if (bus.equals(peer.get("system")) || !same(row, peer, "publishers") || !same(row, peer, "measure")
                        || !(peer.get(field) instanceof Number peerValue)) {
                    continue;
                }
                ratio.put("vs_" + peer.get("system"), value.doubleValue() / peerValue.doubleValue());
            }
            out.add(ratio);
        }
        return out;
    }

    private static void copy(Map<String, Object> from, Map<String, Object> to, String key) {
        if (from.containsKey(key)) {
            to.put(key, from.get(key));
        }
    }

    private static boolean same(Map<String, Object> a, Map<String, Object> b, String key) {
        return Objects.equals(a.get(key), b.get(key));
    }
}
