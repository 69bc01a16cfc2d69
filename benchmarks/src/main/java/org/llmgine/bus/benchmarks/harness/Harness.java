package org.llmgine.bus.benchmarks.harness;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The load harness's entry point, run by {@code benchmarks/run SCENARIO [--duration SECONDS]
 * [--json FILE]}: runs one scenario, prints its table (and the bus's ratios to the peers) and
 * optionally writes its figures as JSON. It runs on the class path of the shaded jar:
 * {@code java -cp benchmarks/target/benchmarks.jar org.llmgine.bus.benchmarks.harness.Harness
 * throughput}.
 *
 * <p>Exit status: 0 when the scenario ran and every invariant held, 1 when an invariant broke (the
 * chaos scenario's loss and consistency checks), 2 for a bad command line, 3 when a run failed.
 */
public final class Harness {

    private Harness() {
    }

    /**
     * Runs the harness and exits with its status.
     *
     * @param args {@code SCENARIO [--duration SECONDS] [--json FILE] [--rate N] [--rounds N]
     *     [--seed N] [--out DIR]}
     */
    public static void main(String[] args) {
        System.exit(run(args, System.out));
    }

    /**
     * Runs the harness.
     *
     * @param args the command line
     * @param out where tables go
     * @return the exit status
     */
    static int run(String[] args, PrintStream out) {
        Options options;
        try {
            options = Options.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println("benchmarks/run: " + e.getMessage());
            System.err.println(Options.USAGE);
            return 2;
        }
        try {
            Map<String, Object> machine = machine();
            out.println("== " + options.scenario() + " on " + machine.get("cores") + " cores, "
                    + machine.get("cpu_model") + ", " + machine.get("java_vm_name") + " "
                    + machine.get("java_vm_version"));
            List<ScenarioResult> results = new ArrayList<>();
            if (options.scenario().equals("report")) {
                results.addAll(new ReportScenario(machine, out).run(options));
            } else {
                ScenarioResult result = scenario(options);
                print(result, out);
                results.add(result);
            }
            if (options.json() != null) {
                Object json = results.size() == 1 ? results.getFirst().toJson(machine) : all(results, machine);
                writeFile(options.json(), Json.write(json));
                out.println("wrote " + options.json());
            }
            boolean ok = results.stream().allMatch(ScenarioResult::ok);
            if (!ok) {
                out.println("FAILED: invariants broken, see above");
            }
            return ok ? 0 : 1;
        } catch (Exception e) {
            System.err.println("benchmarks/run " + options.scenario() + " failed: " + e);
            e.printStackTrace();
            return 3;
        }
    }

    /**
     * Runs one scenario other than {@code report}.
     *
     * @param options its options
     * @return its result
     * @throws Exception if a run failed
     */
    static ScenarioResult scenario(Options options) throws Exception {
        return switch (options.scenario()) {
            case "throughput" -> ThroughputScenario.throughput().run(options);
            case "fanout" -> ThroughputScenario.fanout().run(options);
            case "latency" -> new LatencyScenario().run(options);
            case "commands" -> new CommandsScenario().run(options);
            case "chaos" -> new ChaosScenario().run(options);
            case "soak" -> new SoakScenario().run(options);
            case "metrics" -> new MetricsScenario().run(options);
            case "bridge" -> new BridgeScenario().run(options);
            default -> throw new IllegalArgumentException("not a single scenario: " + options.scenario());
        };
    }

    /**
     * Prints a result: its table, the bus's ratios to the peers, and any breaches.
     *
     * @param result the result
     * @param out where to print
     */
    static void print(ScenarioResult result, PrintStream out) {
        out.println();
        out.println("-- " + result.scenario());
        out.print(Table.text(result.columns(), result.rows()));
        ScenarioResult.RatioTable ratios = result.ratioTable();
        if (ratios != null) {
            out.println("ratios of llmgine-bus to each peer (same run):");
            out.print(Table.text(ratios.columns(), ratios.rows()));
        }
        for (String breach : result.breaches()) {
            out.println("BREACH: " + breach);
        }
    }

    private static Map<String, Object> machine() throws InterruptedException {
        Map<String, Object> machine = MachineInfo.describe();
        machine.put("allocation_counts_virtual_threads", AllocationMeter.countsVirtualThreads());
        return machine;
    }

    private static Map<String, Object> all(List<ScenarioResult> results, Map<String, Object> machine) {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("machine", machine);
        json.put("ok", results.stream().allMatch(ScenarioResult::ok));
        List<Object> scenarios = new ArrayList<>();
        for (ScenarioResult result : results) {
            Map<String, Object> one = result.toJson(machine);
            one.remove("machine");
            scenarios.add(one);
        }
        json.put("scenarios", scenarios);
        return json;
    }

    /**
     * Writes a text file, creating its folder.
     *
     * @param file the file
     * @param text its content
     * @throws IOException if writing failed
     */
    static void writeFile(Path file, String text) throws IOException {
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        Files.writeString(file, text);
    }
}
