package org.llmgine.bus.benchmarks.harness;

/** Stub. */
final class ChaosScenario {
    ScenarioResult run(Options options) {
        throw new UnsupportedOperationException();
    }
}
