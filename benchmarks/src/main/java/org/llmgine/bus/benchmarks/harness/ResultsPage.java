package org.llmgine.bus.benchmarks.harness;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Predicate;
import org.jspecify.annotations.Nullable;

/**
 * Renders a report's results as {@code RESULTS.md} and its SVG charts: the machine, how to
 * reproduce, the design targets against the measured ratios, then each scenario's table.
 */
final class ResultsPage {

    /** The seed's throughput target, events per second. */
    static final double SEED_TARGET = 10_000;

    private final Map<String, Object> machine;
    private final Map<String, ScenarioResult> results = new LinkedHashMap<>();
    private final Instant started;
    private final Options options;

    /**
     * Prepares the page.
     *
     * @param machine the machine description
     * @param results the scenario results
     * @param started when the report began
     * @param options the report's options
     */
    ResultsPage(Map<String, Object> machine, List<ScenarioResult> results, Instant started, Options options) {
        this.machine = machine;
        results.forEach(r -> this.results.put(r.scenario(), r));
        this.started = started;
        this.options = options;
    }

    /**
     * Returns the charts by file name.
     *
     * @return SVG documents to write next to RESULTS.md
     */
    Map<String, String> charts() {
        Map<String, String> charts = new LinkedHashMap<>();
        rate("throughput", "events_per_sec").ifPresent(svg -> charts.put("results-throughput.svg", svg));
        rate("fanout", "handler_calls_per_sec").ifPresent(svg -> charts.put("results-fanout.svg", svg));
        latency().ifPresent(svg -> charts.put("results-latency.svg", svg));
        return charts;
    }

    private Optional<String> rate(String scenario, String field) {
        ScenarioResult result = results.get(scenario);
        if (result == null) {
            return Optional.empty();
        }
        List<String> labels = new ArrayList<>();
        double[][] values = new double[1][result.rows().size()];
        for (int i = 0; i < result.rows().size(); i++) {
            Map<String, Object> row = result.rows().get(i);
            labels.add(caseLabel(row));
            values[0][i] = num(row, field);
        }
        return Optional.of(SvgChart.bars(scenario + ": " + field.replace('_', ' ') + " (median of rounds)",
                field.replace('_', ' '), labels, List.of(field.replace('_', ' ')), values, false));
    }

    private Optional<String> latency() {
        ScenarioResult result = results.get("latency");
        if (result == null) {
            return Optional.empty();
        }
        List<Map<String, Object>> rows = result.rows().stream().filter(r -> "handler".equals(r.get("measure"))).toList();
        List<String> labels = rows.stream().map(ResultsPage::caseLabel).toList();
        List<String> series = List.of("p50_us", "p99_us", "p999_us", "max_us");
        double[][] values = new double[series.size()][rows.size()];
        for (int s = 0; s < series.size(); s++) {
            for (int c = 0; c < rows.size(); c++) {
                values[s][c] = num(rows.get(c), series.get(s));
            }
        }
        return Optional.of(SvgChart.bars("latency: intended send to handler start at "
                + Table.format(options.rate()) + " events/s", "microseconds", labels, series, values, true));
    }

    private static String caseLabel(Map<String, Object> row) {
        StringBuilder label = new StringBuilder(String.valueOf(row.get("system")));
        if (row.get("publishers") instanceof Number p) {
            label.append(", ").append(p).append(p.intValue() == 1 ? " publisher" : " publishers");
        }
        if ("llmgine-bus".equals(row.get("system")) && row.get("sessions") instanceof Number s) {
            label.append(s.intValue() == 1 ? ", bus scope" : ", " + Table.format(s.longValue()) + " sessions");
        }
        return label.toString();
    }

    /**
     * Returns the page's Markdown.
     *
     * @return RESULTS.md
     */
    String markdown() {
        StringBuilder md = new StringBuilder();
        md.append("# llmgine-bus: benchmark results\n\n");
        String rev = System.getenv("BENCH_GIT_REV");
        md.append("Written by `benchmarks/run report` on ").append(started).append(rev == null ? "" : ", at commit `"
                + rev + "`").append(". Absolute numbers on this machine move by up to 2x between runs; ratios "
                + "taken within one run (the systems run interleaved, round after round) are what count.\n\n");
        md.append("## Machine\n\n| | |\n|---|---|\n");
        for (String key : List.of("cores", "cpu_model", "memory_total", "os", "os_release", "java_version",
                "java_vm_name", "java_vm_version", "jvm_args", "allocation_counts_virtual_threads")) {
            md.append("| ").append(key).append(" | ").append(machine.get(key)).append(" |\n");
        }
        md.append("\n## Reproduce\n\n```sh\n");
        md.append("flock /tmp/llmgine-cpu.lock benchmarks/run report").append(options.durationSeconds() == null ? ""
                : " --duration " + Table.format(options.durationSeconds())).append("\n");
        md.append("# or one scenario, with its default duration and a JSON file:\n");
        md.append("benchmarks/run throughput --json throughput.json\n```\n\n");
        md.append("Durations in this report (seconds, spread over all cases and rounds): ");
        List<String> parts = new ArrayList<>();
        results.values().forEach(r -> parts.add(r.scenario() + " " + Table.format(r.details().get("duration_s"))));
        md.append(String.join(", ", parts)).append(".\n\n");
        targets(md);
        section(md, "throughput", "Throughput, one no-op handler", "results-throughput.svg");
        section(md, "fanout", "Fan-out to 8 handlers of one priority", "results-fanout.svg");
        section(md, "latency", "Latency, open loop, coordinated omission corrected", "results-latency.svg");
        section(md, "commands", "Commands", null);
        section(md, "chaos", "Chaos", null);
        section(md, "soak", "Soak", null);
        section(md, "metrics", "Cost of the metrics binding", null);
        analysis(md);
        md.append("## Caveats\n\n");
        md.append("- Allocation per event is every thread's allocation during a run (`ThreadMXBean"
                + "#getTotalThreadAllocatedBytes`, which counts virtual threads through their carriers: checked at "
                + "start, see `allocation_counts_virtual_threads`) divided by events. It includes the harness's "
                + "publisher threads and the rest of the JVM. Every publish in every system makes a new 40-byte event, "
                + "so the event is counted in each system's figure.\n");
        md.append("- Runs are short (the report's durations), on 2 shared cores; a round's spread is in the JSON "
                + "(`rounds`). Soak forces a GC at each heap sample.\n");
        md.append("- Guava's pool queue is bounded at 8192 with a waiting rejection handler (unbounded, a fast "
                + "publisher fills the heap); Guava subscribers allow concurrent events.\n");
        return md.toString();
    }

    /**
     * Appends the hand-written analysis of the targets this design misses ({@code ANALYSIS.md} next
     * to the page), so a regenerated page keeps it; the analysis names the run its figures come from.
     */
    private void analysis(StringBuilder md) {
        Path file = options.outDir().resolve("ANALYSIS.md");
        if (!Files.isRegularFile(file)) {
            return;
        }
        try {
            md.append(Files.readString(file).strip()).append("\n\n");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the analysis " + file, e);
        }
    }

    private void section(StringBuilder md, String scenario, String title, @Nullable String chart) {
        ScenarioResult result = results.get(scenario);
        if (result == null) {
            return;
        }
        md.append("## ").append(title).append(" (`").append(scenario).append("`)\n\n");
        if (chart != null) {
            md.append("![").append(scenario).append("](").append(chart).append(")\n\n");
        }
        md.append(Table.markdown(result.columns(), result.rows())).append('\n');
        ScenarioResult.RatioTable ratios = result.ratioTable();
        if (ratios != null) {
            md.append("Ratios of the bus to each peer, same run:\n\n").append(Table.markdown(ratios.columns(),
                    ratios.rows())).append('\n');
        }
        if (scenario.equals("chaos")) {
            md.append("Events and commands in total: ").append(Table.format(result.details().get("events_and_commands")))
                    .append(". Breaches: ").append(result.breaches().isEmpty() ? "none" : String.join("; ",
                            result.breaches())).append(".\n\n");
        }
    }

    /** The design's targets (DESIGN.md section 10) against this run's ratios. */
    private void targets(StringBuilder md) {
        List<Map<String, Object>> rows = new ArrayList<>();
        ScenarioResult tp = results.get("throughput");
        if (tp != null) {
            double bus = find(tp, r -> bus(r) && is(r, "publishers", 1) && is(r, "sessions", 1), "events_per_sec");
            rows.add(target("seed target 10,000 events/s (bus scope, 1 publisher)", bus / SEED_TARGET, 1));
            for (int sessions : new int[] {1, 64}) {
                double b = find(tp, r -> bus(r) && is(r, "publishers", 1) && is(r, "sessions", sessions), "events_per_sec");
                rows.add(target("throughput " + scope(sessions) + " vs guava-async >= 1.5", b / peer(tp, "guava-async", 1,
                        "events_per_sec"), 1.5));
                rows.add(target("throughput " + scope(sessions) + " vs abq-loop >= 1.0", b / peer(tp, "abq-loop", 1,
                        "events_per_sec"), 1.0));
            }
            double many = find(tp, r -> bus(r) && is(r, "publishers", 1) && is(r, "sessions", 10_000), "events_per_sec");
            rows.add(target("throughput 10,000 sessions vs guava-async >= 1.0", many / peer(tp, "guava-async", 1,
                    "events_per_sec"), 1.0));
            double four = find(tp, r -> bus(r) && is(r, "publishers", 4) && is(r, "sessions", 1), "events_per_sec");
            rows.add(target("throughput 4 publishers vs guava-async >= 1.0", four / peer(tp, "guava-async", 4,
                    "events_per_sec"), 1.0));
            for (int sessions : new int[] {1, 64, 10_000}) {
                double bytes = find(tp, r -> bus(r) && is(r, "publishers", 1) && is(r, "sessions", sessions),
                        "alloc_bytes_per_event");
                double limit = sessions == 10_000 ? 256 : 128;
                rows.add(Row.of("target", "allocation " + scope(sessions) + " <= " + (int) limit + " B/event",
                        "measured", String.format(Locale.ROOT, "%.0f B", bytes), "met", bytes <= limit ? "yes" : "no"));
            }
        }
        ScenarioResult fan = results.get("fanout");
        if (fan != null) {
            double b = find(fan, r -> bus(r) && is(r, "publishers", 1) && is(r, "sessions", 1), "handler_calls_per_sec");
            rows.add(target("fan-out 8 handlers vs guava-async >= 2.0", b / peer(fan, "guava-async", 1,
                    "handler_calls_per_sec"), 2.0));
        }
        ScenarioResult lat = results.get("latency");
        if (lat != null) {
            for (String measure : List.of("publish", "handler")) {
                for (String p : List.of("p50_us", "p99_us")) {
                    double guava = find(lat, r -> "guava-async".equals(r.get("system")) && measure.equals(r.get("measure")), p);
                    for (int sessions : new int[] {1, 64, 10_000}) {
                        double b = find(lat, r -> bus(r) && is(r, "sessions", sessions) && measure.equals(r.get("measure")), p);
                        double limit = sessions == 10_000 ? 1.2 : 1.0;
                        rows.add(Row.of("target", measure + " " + p + " " + scope(sessions) + " vs guava-async <= " + limit,
                                "measured", ratio(b / guava), "met", b / guava <= limit ? "yes" : "no"));
                    }
                }
            }
        }
        ScenarioResult cmd = results.get("commands");
        if (cmd != null) {
            for (int callers : new int[] {1, 16}) {
                double b = find(cmd, r -> "execute".equals(r.get("operation")) && is(r, "callers", callers), "ops_per_sec");
                double base = find(cmd, r -> "supplyAsync".equals(r.get("operation")) && is(r, "callers", callers),
                        "ops_per_sec");
                rows.add(target("execute rate, " + callers + " caller(s), vs cf-virtual >= 1.0", b / base, 1.0));
            }
            double paw = find(cmd, r -> "publishAndWait".equals(r.get("operation")), "p50_us");
            rows.add(Row.of("target", "publishAndWait p50 on an idle bus < 3 us", "measured",
                    String.format(Locale.ROOT, "%.1f us", paw), "met", paw < 3 ? "yes" : "no"));
        }
        ScenarioResult soak = results.get("soak");
        if (soak != null && !soak.rows().isEmpty()) {
            Object verdict = soak.rows().getFirst().get("heap_verdict");
            rows.add(Row.of("target", "heap flat over the soak", "measured", verdict, "met",
                    "flat".equals(verdict) ? "yes" : "no"));
            Object idle = soak.rows().getFirst().get("idle_session_bytes");
            if (idle instanceof Number bytes) {
                rows.add(Row.of("target", "an idle open session retains < 512 B", "measured", bytes + " B", "met",
                        bytes.longValue() < 512 ? "yes" : "no"));
            }
        }
        ScenarioResult chaos = results.get("chaos");
        if (chaos != null) {
            rows.add(Row.of("target", "chaos: no loss, every invariant holds", "measured", chaos.breaches().size()
                    + " breaches", "met", chaos.ok() ? "yes" : "no"));
        }
        md.append("## Targets (DESIGN.md section 10) against this run\n\n");
        md.append(Table.markdown(List.of("target", "measured", "met"), rows)).append('\n');
    }

    private static Map<String, Object> target(String what, double measured, double limit) {
        return Row.of("target", what, "measured", ratio(measured), "met", measured >= limit ? "yes" : "no");
    }

    private static String ratio(double r) {
        return Double.isFinite(r) ? String.format(Locale.ROOT, "%.2fx", r) : "-";
    }

    private static String scope(int sessions) {
        return sessions == 1 ? "bus scope" : Table.format((long) sessions) + " sessions";
    }

    private static boolean bus(Map<String, Object> row) {
        return "llmgine-bus".equals(row.get("system"));
    }

    private static boolean is(Map<String, Object> row, String field, int value) {
        return row.get(field) instanceof Number n && n.intValue() == value;
    }

    private static double peer(ScenarioResult result, String system, int publishers, String field) {
        return find(result, r -> system.equals(r.get("system")) && is(r, "publishers", publishers), field);
    }

    private static double find(ScenarioResult result, Predicate<Map<String, Object>> match, String field) {
        return result.rows().stream().filter(match).findFirst().map(r -> num(r, field)).orElse(Double.NaN);
    }

    private static double num(Map<String, Object> row, String field) {
        return row.get(field) instanceof Number n ? n.doubleValue() : Double.NaN;
    }
}
