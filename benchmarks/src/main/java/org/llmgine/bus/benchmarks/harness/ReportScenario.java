package org.llmgine.bus.benchmarks.harness;

import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The {@code report} scenario: runs every other scenario briefly (each for its report duration,
 * or for {@code --duration} seconds each), then writes {@code RESULTS.md} and its SVG charts into
 * the output folder ({@code benchmarks/} by default) with {@link ResultsPage}.
 */
final class ReportScenario {

    /** Each scenario's duration in a report, in seconds. */
    static final Map<String, Double> DURATIONS = durations();

    private final Map<String, Object> machine;
    private final PrintStream out;

    /**
     * Creates the scenario.
     *
     * @param machine the machine and JVM description for the page
     * @param out where each scenario's table is printed as it finishes
     */
    ReportScenario(Map<String, Object> machine, PrintStream out) {
        this.machine = machine;
        this.out = out;
    }

    private static Map<String, Double> durations() {
        Map<String, Double> d = new LinkedHashMap<>();
        d.put("throughput", 36.0);
        d.put("fanout", 24.0);
        d.put("latency", 90.0);
        d.put("commands", 15.0);
        d.put("chaos", 40.0);
        d.put("soak", 30.0);
        d.put("metrics", 40.0);
        return d;
    }

    /**
     * Runs every scenario and writes the page.
     *
     * @param options {@code --duration} (per scenario), {@code --out}, {@code --rounds}, {@code --rate}
     * @return every scenario's result
     * @throws Exception if a run failed or the page could not be written
     */
    List<ScenarioResult> run(Options options) throws Exception {
        Instant started = Instant.now().truncatedTo(ChronoUnit.SECONDS);
        List<ScenarioResult> results = new ArrayList<>();
        for (Map.Entry<String, Double> scenario : DURATIONS.entrySet()) {
            double seconds = options.durationSeconds() != null ? options.durationSeconds() : scenario.getValue();
            ScenarioResult result = Harness.scenario(options.with(scenario.getKey(), seconds));
            Harness.print(result, out);
            results.add(result);
        }
        Path dir = options.outDir();
        ResultsPage page = new ResultsPage(machine, results, started, options);
        Harness.writeFile(dir.resolve("RESULTS.md"), page.markdown());
        for (Map.Entry<String, String> chart : page.charts().entrySet()) {
            Harness.writeFile(dir.resolve(chart.getKey()), chart.getValue());
        }
        out.println("wrote " + dir.resolve("RESULTS.md") + " and " + String.join(", ", page.charts().keySet()));
        return results;
    }
}
