package org.llmgine.bus.benchmarks.harness;

/** Stub. */
final class SoakScenario {
    ScenarioResult run(Options options) {
        throw new UnsupportedOperationException();
    }
}
