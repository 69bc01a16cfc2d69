package org.llmgine.bus.benchmarks.harness;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;
import org.llmgine.bus.MessageBus;
import org.llmgine.bus.benchmarks.peer.Setup;
import org.llmgine.bus.benchmarks.peer.Tick;
import org.llmgine.bus.message.Command;
import org.llmgine.bus.message.CommandResult;

/**
 * The {@code commands} scenario, closed loop: 1 and 16 caller threads (platform threads) each
 * run one operation after another for the run's duration, timing every call.
 * <ul>
 *   <li>{@code llmgine-bus execute}: {@code bus.execute(new Echo(n))}, whose bus-scope handler
 *       returns {@code n + 1};</li>
 *   <li>{@code cf-virtual supplyAsync}: the JDK baseline,
 *       {@code CompletableFuture.supplyAsync(() -> n + 1, Executors.newVirtualThreadPerTaskExecutor()).join()};</li>
 *   <li>{@code llmgine-bus publishAndWait}: one caller, {@code publishAndWait} of an event with one
 *       no-op handler on an otherwise idle bus.</li>
 * </ul>
 * A row gives the median over rounds of the rate and of each latency percentile (a faster round
 * records more calls, so pooled histograms would be dominated by it), and the largest maximum.
 */
final class CommandsScenario {

    /** The command: its handler answers {@code value + 1}. */
    record Echo(long value) implements Command<Long> {
    }

    /** One measured case. */
    record Case(String system, String operation, int callers) {
    }

    /** One run's figures. */
    private record Run(Histogram latency, long ops, long failures, long elapsedNanos) {
    }

    /** An operation a caller repeats; returns whether it succeeded. */
    @FunctionalInterface
    private interface Op {
        boolean call(long n) throws Exception;
    }

    /**
     * Returns the cases.
     *
     * @return execute and the baseline with 1 and 16 callers, then publishAndWait
     */
    static List<Case> cases() {
        return List.of(new Case("llmgine-bus", "execute", 1), new Case("cf-virtual", "supplyAsync", 1),
                new Case("llmgine-bus", "execute", 16), new Case("cf-virtual", "supplyAsync", 16),
                new Case("llmgine-bus", "publishAndWait", 1));
    }

    /**
     * Runs the scenario.
     *
     * @param options the duration (default 30 s over every case and round) and rounds
     * @return one row per case
     * @throws Exception if a run failed
     */
    ScenarioResult run(Options options) throws Exception {
        double total = options.duration(30);
        int rounds = options.rounds(total);
        List<Case> cases = cases();
        double slice = Math.max(0.1, total / (cases.size() * rounds));
        double warmup = Math.max(0.1, Math.min(1.0, slice / 2));
        List<List<Run>> results = Rounds.interleave(cases, rounds, slice, warmup, CommandsScenario::once);
        List<Map<String, Object>> rows = new ArrayList<>();
        for (int i = 0; i < cases.size(); i++) {
            Case c = cases.get(i);
            List<Double> rates = new ArrayList<>();
            List<Histogram> latencies = new ArrayList<>();
            long failures = 0;
            for (Run run : results.get(i)) {
                latencies.add(run.latency());
                rates.add(run.ops() * 1e9 / run.elapsedNanos());
                failures += run.failures();
            }
            Map<String, Object> row = Row.of("system", c.system(), "operation", c.operation(), "callers", c.callers(),
                    "ops_per_sec", Stats.median(rates));
            // Closed loop: a faster round records more calls, so pooling the rounds' histograms would let
            // it dominate the percentiles; like the rate, each percentile is the median over rounds.
            row.put("count", latencies.stream().mapToLong(Histogram::getTotalCount).sum());
            for (String[] p : new String[][] {{"p50_us", "50"}, {"p95_us", "95"}, {"p99_us", "99"}, {"p999_us", "99.9"}}) {
                double percentile = Double.parseDouble(p[1]);
                row.put(p[0], Stats.median(latencies.stream()
                        .map(h -> Stats.micros(h.getValueAtPercentile(percentile))).toList()));
            }
            row.put("max_us", Stats.micros(latencies.stream().mapToLong(Histogram::getMaxValue).max().orElse(0)));
            row.put("failures", failures);
            row.put("rounds", rates);
            rows.add(row);
        }
        return new ScenarioResult("commands", List.of("system", "operation", "callers", "ops_per_sec", "p50_us",
                "p99_us", "p999_us", "failures"), rows, Map.of("duration_s", total, "rounds", rounds,
                "seconds_per_run", slice, "ratios", ratios(rows)), List.of());
    }

    /** Execute against the baseline, per caller count: rate ratio and p50/p99 ratios. */
    private static List<Map<String, Object>> ratios(List<Map<String, Object>> rows) {
        List<Map<String, Object>> out = new ArrayList<>();
        for (Map<String, Object> bus : rows) {
            if (!"execute".equals(bus.get("operation"))) {
                continue;
            }
            for (Map<String, Object> base : rows) {
                if ("supplyAsync".equals(base.get("operation")) && base.get("callers").equals(bus.get("callers"))) {
                    out.add(Row.of("callers", bus.get("callers"),
                            "ops_per_sec_vs_cf-virtual", num(bus, "ops_per_sec") / num(base, "ops_per_sec"),
                            "p50_vs_cf-virtual", num(bus, "p50_us") / num(base, "p50_us"),
                            "p99_vs_cf-virtual", num(bus, "p99_us") / num(base, "p99_us")));
                }
            }
        }
        return out;
    }

    private static double num(Map<String, Object> row, String field) {
        return ((Number) row.get(field)).doubleValue();
    }

    private static Run once(Case c, double seconds) throws Exception {
        if (c.system().equals("cf-virtual")) {
            try (ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor()) {
                return loop(c.callers(), seconds, n -> CompletableFuture.supplyAsync(() -> n + 1, executor).join() == n + 1);
            }
        }
        MessageBus bus = MessageBus.builder().name("bench-commands").queueCapacity(Setup.CAPACITY).build();
        try {
            bus.registerCommand(Echo.class, (command, context) -> command.value() + 1);
            bus.subscribe(Tick.class, tick -> { });
            bus.start();
            if (c.operation().equals("publishAndWait")) {
                return loop(c.callers(), seconds, n -> bus.publishAndWait(new Tick(n, 0, 0)).succeeded());
            }
            return loop(c.callers(), seconds, n -> bus.execute(new Echo(n)) instanceof CommandResult.Success<Long> s
                    && s.value() == n + 1);
        } finally {
            bus.close(Duration.ofSeconds(30));
        }
    }

    private static Run loop(int callers, double seconds, Op op) throws InterruptedException {
        Recorder latency = new Recorder(60_000_000_000L, 3);
        AtomicLong ops = new AtomicLong();
        AtomicLong failures = new AtomicLong();
        CountDownLatch go = new CountDownLatch(1);
        long[] deadline = new long[1];
        Thread[] threads = new Thread[callers];
        for (int t = 0; t < callers; t++) {
            threads[t] = Thread.ofPlatform().name("bench-caller-" + t).start(() -> {
                long done = 0;
                long failed = 0;
                try {
                    go.await();
                    long end = deadline[0];
                    long now = System.nanoTime();
                    while (now < end) {
                        boolean ok = op.call(done);
                        long after = System.nanoTime();
                        latency.recordValue(after - now);
                        now = after;
                        done++;
                        if (!ok) {
                            failed++;
                        }
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                } catch (Exception e) {
                    failed++;
                } finally {
                    ops.addAndGet(done);
                    failures.addAndGet(failed);
                }
            });
        }
        long start = System.nanoTime();
        deadline[0] = start + (long) (seconds * 1e9);
        go.countDown();
        for (Thread thread : threads) {
            thread.join();
        }
        long elapsed = System.nanoTime() - start;
        return new Run(latency.getIntervalHistogram(), ops.get(), failures.get(), elapsed);
    }
}
