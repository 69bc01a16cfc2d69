package org.llmgine.bus.benchmarks.harness;

import java.nio.file.Path;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * The command line of the harness: {@code SCENARIO [--duration SECONDS] [--json FILE] [--rate
 * EVENTS_PER_SEC] [--rounds N] [--seed N] [--out DIR]}.
 *
 * @param scenario the scenario's name
 * @param durationSeconds the measured time of the scenario, or null for its default
 * @param json where to write the figures as JSON, or null
 * @param rate the offered rate of the latency scenario, events per second
 * @param rounds how many interleaved rounds per case, or null for the scenario's default
 * @param seed the seed of the chaos scenario's random choices
 * @param outDir where {@code report} writes RESULTS.md and the charts
 */
record Options(String scenario, @Nullable Double durationSeconds, @Nullable Path json, double rate,
        @Nullable Integer rounds, long seed, Path outDir) {

    /** The scenarios, in the order {@code report} runs them. */
    static final List<String> SCENARIOS = List.of("throughput", "fanout", "latency", "commands", "chaos", "soak",
            "metrics", "bridge", "report");

    /** The usage line. */
    static final String USAGE = "usage: benchmarks/run SCENARIO [--duration SECONDS] [--json FILE] [--rate N]"
            + " [--rounds N] [--seed N] [--out DIR]\n  scenarios: " + String.join(", ", SCENARIOS);

    /**
     * Parses the arguments.
     *
     * @param args the command line
     * @return the options
     * @throws IllegalArgumentException with a message naming the bad argument
     */
    static Options parse(String[] args) {
        if (args.length == 0) {
            throw new IllegalArgumentException("no scenario given");
        }
        String scenario = args[0];
        if (!SCENARIOS.contains(scenario)) {
            throw new IllegalArgumentException("unknown scenario '" + scenario + "'");
        }
        Double duration = null;
        Path json = null;
        double rate = 100_000;
        Integer rounds = null;
        long seed = 42;
        Path outDir = Path.of("benchmarks");
        for (int i = 1; i < args.length; i++) {
            String flag = args[i];
            if (i + 1 >= args.length) {
                throw new IllegalArgumentException(flag + " needs a value");
            }
            String value = args[++i];
            try {
                switch (flag) {
                    case "--duration" -> duration = positive(flag, Double.parseDouble(value));
                    case "--json" -> json = Path.of(value);
                    case "--rate" -> rate = positive(flag, Double.parseDouble(value));
                    case "--rounds" -> rounds = (int) positive(flag, Integer.parseInt(value));
                    case "--seed" -> seed = Long.parseLong(value);
                    case "--out" -> outDir = Path.of(value);
                    default -> throw new IllegalArgumentException("unknown option '" + flag + "'");
                }
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(flag + " must be a number, but was '" + value + "'", e);
            }
        }
        return new Options(scenario, duration, json, rate, rounds, seed, outDir);
    }

    private static double positive(String flag, double value) {
        if (!(value > 0)) {
            throw new IllegalArgumentException(flag + " must be positive, but was " + value);
        }
        return value;
    }

    /**
     * Returns the duration to use.
     *
     * @param defaultSeconds the scenario's default
     * @return seconds
     */
    double duration(double defaultSeconds) {
        return durationSeconds != null ? durationSeconds : defaultSeconds;
    }

    /**
     * Returns the number of rounds to use: the given one, or 3, or 1 for short runs (under 10 s).
     *
     * @param seconds the scenario's duration
     * @return at least 1
     */
    int rounds(double seconds) {
        return roundsOr(seconds, 3);
    }

    /**
     * Returns the number of rounds to use: the given one, or {@code defaultRounds}, or 1 for short
     * runs (under 10 s).
     *
     * @param seconds the scenario's duration
     * @param defaultRounds the scenario's own default
     * @return at least 1
     */
    int roundsOr(double seconds, int defaultRounds) {
        return rounds != null ? rounds : seconds < 10 ? 1 : defaultRounds;
    }

    /**
     * Returns a copy for another scenario with another duration, as {@code report} runs them.
     *
     * @param otherScenario the scenario
     * @param seconds its duration
     * @return the options
     */
    Options with(String otherScenario, double seconds) {
        return new Options(otherScenario, seconds, null, rate, rounds, seed, outDir);
    }
}
