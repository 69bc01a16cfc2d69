package org.llmgine.bus.benchmarks.harness;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.llmgine.bus.OverflowStrategy;

/**
 * The {@code chaos} scenario: one {@link ChaosRun} per overflow strategy (BLOCK, REJECT_NEW,
 * DROP_OLDEST, ADAPTIVE), each a quarter of the duration (default 40 s, over 1,000,000 events and
 * commands in total), each closed in mid-flight and checked by a {@link ChaosVerdict}. Any breach
 * makes the harness exit non-zero; so does missing the 1,000,000 with the default duration.
 */
final class ChaosScenario {

    /** The total the default duration must reach. */
    static final long TARGET = 1_000_000;

    /** Held so the level set below sticks: java.util.logging keeps loggers weakly. */
    private static final Logger BUS_LOG = Logger.getLogger("org.llmgine.bus");

    /**
     * Runs the scenario.
     *
     * @param options the duration, the seed
     * @return one row per strategy, the per-bus JSON in the details
     * @throws Exception if a run failed
     */
    ScenarioResult run(Options options) throws Exception {
        double total = options.duration(40);
        Level level = BUS_LOG.getLevel();
        // The bus logs every handler failure at WARNING: 10 % of a million events would flood the output.
        BUS_LOG.setLevel(Level.SEVERE);
        List<Map<String, Object>> rows = new ArrayList<>();
        List<Object> buses = new ArrayList<>();
        List<String> breaches = new ArrayList<>();
        long events = 0;
        long commands = 0;
        try {
            for (OverflowStrategy strategy : OverflowStrategy.values()) {
                System.gc();
                ChaosRun.Outcome outcome = new ChaosRun(strategy, options.seed() + strategy.ordinal())
                        .run(total / OverflowStrategy.values().length);
                ChaosVerdict verdict = new ChaosVerdict(outcome);
                rows.add(verdict.row());
                buses.add(verdict.toJson());
                breaches.addAll(verdict.breaches());
                events += outcome.stats().events().published();
                commands += outcome.run().counts.commandResults.sum();
            }
        } finally {
            BUS_LOG.setLevel(level);
        }
        long all = events + commands;
        if (options.durationSeconds() == null && all < TARGET) {
            breaches.add("only " + all + " events and commands in the default duration, below " + TARGET);
        }
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("duration_s", total);
        details.put("seed", options.seed());
        details.put("events", events);
        details.put("commands", commands);
        details.put("events_and_commands", all);
        details.put("buses", buses);
        return new ScenarioResult("chaos", List.of("strategy", "published", "filtered", "rejected", "delivered",
                "dropped", "cancelled", "returned", "queueSize", "lost", "commands", "high_water_hits", "throttled",
                "retried", "breaker_opened", "timed_out", "bulkhead_full", "circuit_open", "exhausted", "dead_lettered",
                "dlq_evicted", "replays", "replayed", "breaches"),
                rows, details, breaches);
    }
}
