package org.llmgine.bus.benchmarks.harness;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.llmgine.bus.benchmarks.peer.SystemKind;

/**
 * The {@code throughput} and {@code fanout} scenarios: every system flat out, one or four
 * publishers, one no-op handler (throughput) or eight of one priority (fanout); the bus also with
 * 64 and 10,000 sessions. Cases run interleaved ({@link Rounds}); a row reports the median of its
 * rounds.
 */
final class ThroughputScenario {

    /** One measured case. */
    record Case(SystemKind kind, int publishers, int sessions) {
    }

    private final int handlers;

    private ThroughputScenario(int handlers) {
        this.handlers = handlers;
    }

    /**
     * The {@code throughput} scenario: one handler.
     *
     * @return the scenario
     */
    static ThroughputScenario throughput() {
        return new ThroughputScenario(1);
    }

    /**
     * The {@code fanout} scenario: eight handlers of one priority.
     *
     * @return the scenario
     */
    static ThroughputScenario fanout() {
        return new ThroughputScenario(8);
    }

    /**
     * Returns the cases: the bus with 1 and 4 publishers in the bus scope, with 64 and with 10,000
     * sessions; each peer with 1 and 4 publishers.
     *
     * @return the cases in table order
     */
    static List<Case> cases() {
        List<Case> cases = new ArrayList<>();
        for (int sessions : new int[] {1, 64, 10_000}) {
            for (int publishers : new int[] {1, 4}) {
                cases.add(new Case(SystemKind.LLMGINE_BUS, publishers, sessions));
            }
        }
        for (SystemKind kind : SystemKind.values()) {
            if (kind != SystemKind.LLMGINE_BUS) {
                for (int publishers : new int[] {1, 4}) {
                    cases.add(new Case(kind, publishers, 1));
                }
            }
        }
        return cases;
    }

    /**
     * Runs the scenario.
     *
     * @param options the duration (default 60 s, spread over every case and round) and rounds
     * @return one row per case
     * @throws Exception if a run failed
     */
    ScenarioResult run(Options options) throws Exception {
        String name = handlers == 1 ? "throughput" : "fanout";
        double total = options.duration(handlers == 1 ? 60 : 36);
        int rounds = options.rounds(total);
        List<Case> cases = cases();
        double slice = Math.max(0.1, total / (cases.size() * rounds));
        double warmup = Math.max(0.1, Math.min(1.0, slice / 2));
        List<List<Saturation.Result>> results = Rounds.interleave(cases, rounds, slice, warmup,
                (c, seconds) -> Saturation.run(c.kind(), c.publishers(), handlers, c.sessions(), seconds));
        List<Map<String, Object>> rows = new ArrayList<>();
        for (int i = 0; i < cases.size(); i++) {
            Case c = cases.get(i);
            List<Saturation.Result> runs = results.get(i);
            double perSecond = Stats.median(runs.stream().map(r -> handlers == 1 ? r.eventsPerSecond()
                    : r.handlerCallsPerSecond()).toList());
            double bytes = Stats.median(runs.stream().map(Saturation.Result::bytesPerEvent).toList());
            Map<String, Object> row = Row.of("system", c.kind().label(), "publishers", c.publishers(),
                    "handlers", handlers, "sessions", c.sessions());
            row.put(handlers == 1 ? "events_per_sec" : "handler_calls_per_sec", perSecond);
            if (handlers != 1) {
                row.put("events_per_sec", Stats.median(runs.stream().map(Saturation.Result::eventsPerSecond).toList()));
            }
            row.put("alloc_bytes_per_event", bytes);
            row.put("rounds", runs.stream().map(r -> handlers == 1 ? r.eventsPerSecond() : r.handlerCallsPerSecond())
                    .toList());
            row.put("refused", runs.stream().mapToLong(Saturation.Result::refused).sum());
            rows.add(row);
        }
        String rate = handlers == 1 ? "events_per_sec" : "handler_calls_per_sec";
        List<String> columns = List.of("system", "publishers", "handlers", "sessions", rate, "alloc_bytes_per_event",
                "refused");
        return new ScenarioResult(name, columns, rows, Map.of("duration_s", total, "rounds", rounds,
                "seconds_per_run", slice, "ratios", Ratios.vsPeers(rows, rate)), List.of());
    }
}
