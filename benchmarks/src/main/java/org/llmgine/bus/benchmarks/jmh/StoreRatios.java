package org.llmgine.bus.benchmarks.jmh;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;
import org.llmgine.bus.benchmarks.jmh.StoreBenchmark.Writer;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.CommandLineOptions;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.OptionsBuilder;

/**
 * Runs {@link StoreBenchmark} and prints, per database, each store's rows/s over the plain JDBC
 * inserts of the same rows measured in the same run: the per-row stores (scheduled events, dead
 * letters, outbox add) over {@code PLAIN_INSERT}, the outbox's add-claim-complete cycle over the
 * same cycle in plain JDBC (its {@code PLAIN_INSERT}), the batched event log over {@code PLAIN_BATCH}, those being the
 * matching baselines the target of {@value #TARGET} applies to; and every store over both, for
 * completeness. Absolute numbers on a shared 2-core machine move 2x between runs; the ratios of one
 * run are the figures to keep.
 *
 * <pre>{@code
 * java -cp benchmarks/target/benchmarks.jar org.llmgine.bus.benchmarks.jmh.StoreRatios [--rounds N] [JMH options]
 * java -cp benchmarks/target/benchmarks.jar org.llmgine.bus.benchmarks.jmh.StoreRatios --rounds 3 -p database=H2
 * }</pre>
 *
 * <p>The options are JMH's; without a benchmark pattern it runs every method of {@link StoreBenchmark}.
 * JMH runs a competitor's iterations back to back, not interleaved with the others', so a busy
 * spell of the machine lands on one competitor: {@code --rounds N} runs the whole selection N times
 * and prints, after each round's table, the median over rounds of each round's ratios.
 */
public final class StoreRatios {

    /** The target: a store writes at least this share of its matching baseline's rows/s. */
    static final double TARGET = 0.5;

    private StoreRatios() {
    }

    /**
     * One score of the run.
     *
     * @param method the benchmark method's name, for example {@code scheduledEvents}
     * @param database the {@code database} parameter
     * @param writer the {@code writer} parameter, null for a method without one
     * @param rowsPerSecond the score
     */
    record Score(String method, String database, @Nullable String writer, double rowsPerSecond) {
    }

    /** A store's method, the method whose plain baselines it is compared with, and its matching baseline. */
    enum Store {
        SCHEDULED_EVENTS("scheduledEvents", "scheduledEvents", "scheduled events (add)", Writer.PLAIN_INSERT),
        DEAD_LETTERS("deadLetters", "deadLetters", "dead letters (add)", Writer.PLAIN_INSERT),
        OUTBOX_ADD("outbox", "outbox", "outbox (add)", Writer.PLAIN_INSERT),
        OUTBOX_CYCLE("outboxCycle", "outboxCycle", "outbox cycle (vs plain cycle)", Writer.PLAIN_INSERT),
        EVENT_LOG("eventLog", "eventLog", "event log (batched)", Writer.PLAIN_BATCH);

        final String method;
        final String baselineMethod;
        final String label;
        final Writer matching;

        Store(String method, String baselineMethod, String label, Writer matching) {
            this.method = method;
            this.baselineMethod = baselineMethod;
            this.label = label;
            this.matching = matching;
        }
    }

    /**
     * A store's score next to its baselines of the same database and run.
     *
     * @param database the database
     * @param store the store
     * @param rowsPerSecond the store's score
     * @param plainInsert the {@code PLAIN_INSERT} score of the same rows, NaN if it was not run
     * @param plainBatch the {@code PLAIN_BATCH} score of the same rows, NaN if it was not run
     */
    record Ratio(String database, Store store, double rowsPerSecond, double plainInsert, double plainBatch) {

        double vsInsert() {
            return rowsPerSecond / plainInsert;
        }

        double vsBatch() {
            return rowsPerSecond / plainBatch;
        }

        /** The ratio to the matching baseline, NaN if that was not run. */
        double matching() {
            return store.matching == Writer.PLAIN_INSERT ? vsInsert() : vsBatch();
        }

        /** {@code met}, {@code missed}, or {@code -} without the matching baseline. */
        String verdict() {
            double m = matching();
            return Double.isNaN(m) ? "-" : m >= TARGET ? "met" : "missed";
        }
    }

    /**
     * Pairs every store's score with its baselines, per database in the order they appear, stores in
     * {@link Store} order; a store that was not run is left out.
     *
     * @param scores the run's scores
     * @return the ratios
     */
    static List<Ratio> ratios(Collection<Score> scores) {
        Set<String> databases = new LinkedHashSet<>();
        scores.forEach(s -> databases.add(s.database()));
        List<Ratio> out = new ArrayList<>();
        for (String database : databases) {
            for (Store store : Store.values()) {
                double score = find(scores, store.method, database, Writer.STORE.name());
                if (!Double.isNaN(score)) {
                    out.add(new Ratio(database, store, score,
                            find(scores, store.baselineMethod, database, Writer.PLAIN_INSERT.name()),
                            find(scores, store.baselineMethod, database, Writer.PLAIN_BATCH.name())));
                }
            }
        }
        return out;
    }

    private static double find(Collection<Score> scores, String method, String database, @Nullable String writer) {
        for (Score s : scores) {
            if (s.method().equals(method) && s.database().equals(database)
                    && (writer == null ? s.writer() == null : writer.equals(s.writer()))) {
                return s.rowsPerSecond();
            }
        }
        return Double.NaN;
    }

    /**
     * Formats the ratios as a table.
     *
     * @param ratios from {@link #ratios}
     * @param unit the scores' unit, for example {@code ops/s} (one op is one row)
     * @return the table, with a heading line
     */
    static String table(List<Ratio> ratios, String unit) {
        StringBuilder out = new StringBuilder();
        out.append("Store write throughput, rows (").append(unit).append("), over plain JDBC inserts of the same rows"
                + " in this run; * marks the matching baseline, target >= ")
                .append(String.format(Locale.ROOT, "%.2f", TARGET)).append('\n');
        out.append(String.format(Locale.ROOT, "%-11s %-30s %12s %13s %12s %10s %10s  %s%n", "database", "store",
                "store", "plain insert", "plain batch", "vs insert", "vs batch", "target"));
        for (Ratio r : ratios) {
            boolean insertMatches = r.store().matching == Writer.PLAIN_INSERT;
            out.append(String.format(Locale.ROOT, "%-11s %-30s %12s %13s %12s %10s %10s  %s%n", r.database(),
                    r.store().label, rate(r.rowsPerSecond()), rate(r.plainInsert()), rate(r.plainBatch()),
                    ratio(r.vsInsert(), insertMatches), ratio(r.vsBatch(), !insertMatches), r.verdict()));
        }
        return out.toString();
    }

    private static String rate(double value) {
        return Double.isNaN(value) ? "-" : String.format(Locale.ROOT, "%,.0f", value);
    }

    private static String ratio(double value, boolean matching) {
        return Double.isNaN(value) ? "-" : String.format(Locale.ROOT, "%.3f", value) + (matching ? "*" : " ");
    }

    /**
     * The median over rounds of a store's ratios: each round pairs the store with the baselines run
     * minutes apart in that round, so a slow spell of a shared machine moves one round, not the median.
     *
     * @param database the database
     * @param store the store
     * @param vsInsert the median over rounds of the store over {@code PLAIN_INSERT}
     * @param vsBatch the median over rounds of the store over {@code PLAIN_BATCH}
     * @param rounds each round's ratio to the matching baseline
     */
    record Median(String database, Store store, double vsInsert, double vsBatch, List<Double> rounds) {

        /** The median ratio to the matching baseline. */
        double matching() {
            return store.matching == Writer.PLAIN_INSERT ? vsInsert : vsBatch;
        }

        /** {@code met}, {@code missed}, or {@code -} without the matching baseline. */
        String verdict() {
            double m = matching();
            return Double.isNaN(m) ? "-" : m >= TARGET ? "met" : "missed";
        }
    }

    /**
     * Takes the median of every store's ratios over the rounds it appears in.
     *
     * @param rounds each round's ratios, from {@link #ratios}
     * @return one median per database and store, in the first round's order
     */
    static List<Median> medians(List<List<Ratio>> rounds) {
        List<Median> out = new ArrayList<>();
        Set<String> seen = new LinkedHashSet<>();
        for (List<Ratio> round : rounds) {
            for (Ratio first : round) {
                if (!seen.add(first.database() + "/" + first.store())) {
                    continue;
                }
                List<Ratio> same = new ArrayList<>();
                for (List<Ratio> other : rounds) {
                    other.stream().filter(r -> r.database().equals(first.database()) && r.store() == first.store())
                            .forEach(same::add);
                }
                out.add(new Median(first.database(), first.store(), median(same.stream().map(Ratio::vsInsert).toList()),
                        median(same.stream().map(Ratio::vsBatch).toList()),
                        same.stream().map(Ratio::matching).toList()));
            }
        }
        return out;
    }

    /** The median of the values that are numbers, NaN if none is. */
    static double median(List<Double> values) {
        double[] v = values.stream().filter(d -> !d.isNaN()).mapToDouble(Double::doubleValue).sorted().toArray();
        if (v.length == 0) {
            return Double.NaN;
        }
        return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
    }

    /**
     * Formats the medians as a table.
     *
     * @param medians from {@link #medians}
     * @param rounds how many rounds were run
     * @return the table, with a heading line
     */
    static String medianTable(List<Median> medians, int rounds) {
        StringBuilder out = new StringBuilder();
        out.append("Medians over ").append(rounds).append(" rounds of each round's ratios; * marks the matching"
                + " baseline, target >= ").append(String.format(Locale.ROOT, "%.2f", TARGET)).append('\n');
        out.append(String.format(Locale.ROOT, "%-11s %-30s %10s %10s  %-7s %s%n", "database", "store", "vs insert",
                "vs batch", "target", "matching ratio by round"));
        for (Median m : medians) {
            boolean insertMatches = m.store().matching == Writer.PLAIN_INSERT;
            StringBuilder byRound = new StringBuilder();
            for (double r : m.rounds()) {
                byRound.append(byRound.isEmpty() ? "" : " ").append(ratio(r, false).strip());
            }
            out.append(String.format(Locale.ROOT, "%-11s %-30s %10s %10s  %-7s %s%n", m.database(), m.store().label,
                    ratio(m.vsInsert(), insertMatches), ratio(m.vsBatch(), !insertMatches), m.verdict(), byRound));
        }
        return out.toString();
    }

    /**
     * Runs the benchmark with JMH's command line options, once or {@code --rounds N} times, and
     * prints each round's ratios after JMH's table, then, for several rounds, their medians.
     *
     * @param args {@code [--rounds N]} and JMH's options; without a benchmark pattern,
     *     {@link StoreBenchmark}'s methods
     * @throws Exception if the options do not parse or a run fails
     */
    public static void main(String[] args) throws Exception {
        List<String> jmhArgs = new ArrayList<>(List.of(args));
        int rounds = 1;
        int at = jmhArgs.indexOf("--rounds");
        if (at >= 0) {
            if (at + 1 >= jmhArgs.size() || !jmhArgs.get(at + 1).matches("[1-9][0-9]{0,2}")) {
                throw new IllegalArgumentException("--rounds needs a number from 1 to 999, but got "
                        + (at + 1 < jmhArgs.size() ? "'" + jmhArgs.get(at + 1) + "'" : "nothing"));
            }
            rounds = Integer.parseInt(jmhArgs.get(at + 1));
            jmhArgs.subList(at, at + 2).clear();
        }
        CommandLineOptions command = new CommandLineOptions(jmhArgs.toArray(String[]::new));
        Options options = command.getIncludes().isEmpty()
                ? new OptionsBuilder().parent(command).include(Pattern.quote(StoreBenchmark.class.getName()) + "\\.")
                        .build()
                : command;
        List<List<Ratio>> all = new ArrayList<>();
        List<String> tables = new ArrayList<>();
        for (int round = 1; round <= rounds; round++) {
            Collection<RunResult> results = new Runner(options).run();
            List<Score> scores = new ArrayList<>();
            String unit = "ops/s";
            for (RunResult result : results) {
                String benchmark = result.getParams().getBenchmark();
                if (!benchmark.startsWith(StoreBenchmark.class.getName() + ".")) {
                    continue;
                }
                unit = result.getPrimaryResult().getScoreUnit();
                scores.add(new Score(benchmark.substring(benchmark.lastIndexOf('.') + 1),
                        Objects.requireNonNullElse(result.getParams().getParam("database"), "?"),
                        result.getParams().getParam("writer"), result.getPrimaryResult().getScore()));
            }
            List<Ratio> ratios = ratios(scores);
            all.add(ratios);
            tables.add((rounds > 1 ? "Round " + round + " of " + rounds + ". " : "") + table(ratios, unit));
            System.out.println();
            System.out.print(tables.getLast());
        }
        if (rounds > 1) {
            System.out.println();
            tables.forEach(System.out::println);
            System.out.print(medianTable(medians(all), rounds));
        }
    }
}
