package org.llmgine.bus.benchmarks.harness;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.llmgine.bus.benchmarks.peer.MetricsVariant;

/**
 * The {@code metrics} scenario: the cost of the Micrometer binding. The bus flat out with one
 * publisher and one handler, with each {@link MetricsVariant} (no observer, a no-op observer, the
 * binding without histograms, the whole binding on a Prometheus registry), once with a no-op
 * handler (the bus's own per-event cost is all there is, so the binding's share is largest) and
 * once with a handler that spins for 2 µs (a cheap real handler). Cases run interleaved
 * ({@link Rounds}); a row reports the median of its rounds and {@code vs_off}, the median over the
 * rounds of the variant's rate divided by that round's {@code metrics-off} rate for the same
 * handler, so a drift of the machine between rounds cancels out.
 */
final class MetricsScenario {

    /** The handler's spin per call of the second workload, in nanoseconds. */
    static final long WORK_NANOS = 2_000;

    /** One measured case. */
    record Case(MetricsVariant variant, long workNanos) {
    }

    /**
     * Returns the cases: every variant with the no-op handler, then every variant with the 2 µs
     * handler.
     *
     * @return the cases in table order
     */
    static List<Case> cases() {
        List<Case> cases = new ArrayList<>();
        for (long work : new long[] {0, WORK_NANOS}) {
            for (MetricsVariant variant : MetricsVariant.values()) {
                cases.add(new Case(variant, work));
            }
        }
        return cases;
    }

    /**
     * Runs the scenario.
     *
     * @param options the duration (default 48 s, spread over every case and round) and rounds
     *     (default 5)
     * @return one row per case
     * @throws Exception if a run failed
     */
    ScenarioResult run(Options options) throws Exception {
        double total = options.duration(48);
        int rounds = options.roundsOr(total, 5);
        List<Case> cases = cases();
        double slice = Math.max(0.1, total / (cases.size() * rounds));
        double warmup = Math.max(0.1, Math.min(1.0, slice / 2));
        List<List<Saturation.Result>> results = Rounds.interleave(cases, rounds, slice, warmup,
                (c, seconds) -> Saturation.run(c.variant().label(), c.variant()::create, 1, 1, 1, c.workNanos(),
                        seconds));
        List<Map<String, Object>> rows = new ArrayList<>();
        for (int i = 0; i < cases.size(); i++) {
            Case c = cases.get(i);
            List<Double> rates = results.get(i).stream().map(Saturation.Result::eventsPerSecond).toList();
            List<Double> off = results.get(cases.indexOf(new Case(MetricsVariant.OFF, c.workNanos()))).stream()
                    .map(Saturation.Result::eventsPerSecond).toList();
            List<Double> paired = new ArrayList<>();
            for (int r = 0; r < rates.size(); r++) {
                paired.add(rates.get(r) / off.get(r));
            }
            Map<String, Object> row = Row.of("system", c.variant().label(), "handler_work_ns", c.workNanos());
            row.put("events_per_sec", Stats.median(rates));
            row.put("vs_off", Stats.median(paired));
            row.put("alloc_bytes_per_event", Stats.median(results.get(i).stream()
                    .map(Saturation.Result::bytesPerEvent).toList()));
            row.put("rounds", rates);
            row.put("refused", results.get(i).stream().mapToLong(Saturation.Result::refused).sum());
            rows.add(row);
        }
        List<String> columns = List.of("system", "handler_work_ns", "events_per_sec", "vs_off",
                "alloc_bytes_per_event", "refused");
        return new ScenarioResult("metrics", columns, rows, Map.of("duration_s", total, "rounds", rounds,
                "seconds_per_run", slice), List.of());
    }
}
