package org.llmgine.bus.benchmarks.harness;

import java.io.PrintStream;
import java.util.List;
import java.util.Map;

/** Stub. */
final class ReportScenario {
    ReportScenario(Map<String, Object> machine, PrintStream out) {
    }

    List<ScenarioResult> run(Options options) {
        throw new UnsupportedOperationException();
    }
}
