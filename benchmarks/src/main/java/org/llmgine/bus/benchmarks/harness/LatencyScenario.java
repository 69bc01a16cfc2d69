package org.llmgine.bus.benchmarks.harness;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;
import org.llmgine.bus.benchmarks.peer.EventSystem;
import org.llmgine.bus.benchmarks.peer.Setup;
import org.llmgine.bus.benchmarks.peer.SystemKind;
import org.llmgine.bus.benchmarks.peer.Tick;
import org.llmgine.bus.benchmarks.peer.TickPublisher;

/**
 * The {@code latency} scenario: an open loop at a fixed offered rate ({@code --rate}, default
 * 100,000 events/s) from one publisher thread, paced by parking until each event's intended send
 * time ({@code LockSupport.parkNanos}). Latencies are measured from the intended send time, so a
 * publisher that falls behind (a slow publish, a late wake-up) is charged for every event it
 * delayed: coordinated omission corrected. Three measures per system, in HdrHistogram:
 * <ul>
 *   <li>{@code publish}: from the intended send time until {@code publish()} returned;</li>
 *   <li>{@code handler}: from the intended send time until the handler started;</li>
 *   <li>{@code handoff}: from the actual start of the publish call until the handler started
 *       (the system's own hand-off, without the pacing's timer slack).</li>
 * </ul>
 * The bus runs in the bus scope, with 64 and with 10,000 sessions (round-robin).
 */
final class LatencyScenario {

    /** One measured case. */
    record Case(SystemKind kind, int sessions) {
    }

    /** One run's histograms. */
    private record Run(Histogram publish, Histogram handler, Histogram handoff, long sent, long elapsedNanos) {
    }

    /**
     * Returns the cases: the bus in the bus scope, with 64 and 10,000 sessions, then each peer.
     *
     * @return the cases
     */
    static List<Case> cases() {
        List<Case> cases = new ArrayList<>();
        cases.add(new Case(SystemKind.LLMGINE_BUS, 1));
        cases.add(new Case(SystemKind.LLMGINE_BUS, 64));
        cases.add(new Case(SystemKind.LLMGINE_BUS, 10_000));
        for (SystemKind kind : SystemKind.values()) {
            if (kind != SystemKind.LLMGINE_BUS) {
                cases.add(new Case(kind, 1));
            }
        }
        return cases;
    }

    /**
     * Runs the scenario.
     *
     * @param options the duration (default 60 s over all cases and rounds), rate and rounds
     * @return three rows per case (publish, handler, handoff)
     * @throws Exception if a run failed
     */
    ScenarioResult run(Options options) throws Exception {
        double total = options.duration(60);
        int rounds = options.rounds(total);
        double rate = options.rate();
        List<Case> cases = cases();
        double slice = Math.max(0.2, total / (cases.size() * rounds));
        double warmup = Math.max(0.2, Math.min(2.0, slice / 2));
        List<List<Run>> results = Rounds.interleave(cases, rounds, slice, warmup,
                (c, seconds) -> once(c, rate, seconds));
        List<Map<String, Object>> rows = new ArrayList<>();
        for (int i = 0; i < cases.size(); i++) {
            Case c = cases.get(i);
            Histogram publish = Stats.latencyHistogram();
            Histogram handler = Stats.latencyHistogram();
            Histogram handoff = Stats.latencyHistogram();
            long sent = 0;
            long elapsed = 0;
            for (Run run : results.get(i)) {
                publish.add(run.publish());
                handler.add(run.handler());
                handoff.add(run.handoff());
                sent += run.sent();
                elapsed += run.elapsedNanos();
            }
            double achieved = sent * 1e9 / elapsed;
            rows.add(row(c, "publish", rate, achieved, publish));
            rows.add(row(c, "handler", rate, achieved, handler));
            rows.add(row(c, "handoff", rate, achieved, handoff));
        }
        List<Map<String, Object>> ratios = new ArrayList<>(Ratios.vsPeers(rows, "p50_us"));
        ratios.addAll(Ratios.vsPeers(rows, "p99_us"));
        return new ScenarioResult("latency", List.of("system", "sessions", "measure", "offered_per_sec",
                "achieved_per_sec", "p50_us", "p95_us", "p99_us", "p999_us", "max_us"), rows,
                Map.of("duration_s", total, "rounds", rounds, "seconds_per_run", slice, "rate", rate,
                        "ratios", ratios), List.of());
    }

    private static Map<String, Object> row(Case c, String measure, double offered, double achieved, Histogram h) {
        return Stats.percentiles(Row.of("system", c.kind().label(), "sessions", c.sessions(), "measure", measure,
                "offered_per_sec", offered, "achieved_per_sec", achieved), h);
    }

    private static Run once(Case c, double rate, double seconds) throws InterruptedException {
        Recorder handlerLatency = new Recorder(60_000_000_000L, 3);
        Recorder handoffLatency = new Recorder(60_000_000_000L, 3);
        LongAdder handled = new LongAdder();
        Setup setup = new Setup(1, 1, c.sessions(), tick -> {
            long now = System.nanoTime();
            handlerLatency.recordValue(now - tick.intendedNanos());
            handoffLatency.recordValue(now - tick.sentNanos());
            handled.increment();
        });
        try (EventSystem system = c.kind().create(setup)) {
            Histogram publish = Stats.latencyHistogram();
            long[] counts = new long[2]; // accepted, elapsed nanos
            TickPublisher publisher = system.publisher(0);
            long events = Math.max(1, (long) (seconds * rate));
            double interval = 1e9 / rate;
            Thread thread = Thread.ofPlatform().name("bench-paced-publisher").start(() -> {
                long start = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(1);
                long accepted = 0;
                try {
                    for (long i = 0; i < events; i++) {
                        long intended = start + (long) (i * interval);
                        long now;
                        while ((now = System.nanoTime()) < intended) {
                            LockSupport.parkNanos(intended - now);
                        }
                        if (publisher.publish(new Tick(i, intended, now))) {
                            accepted++;
                        }
                        publish.recordValue(System.nanoTime() - intended);
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                counts[0] = accepted;
                counts[1] = System.nanoTime() - start;
            });
            thread.join();
            long limit = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (handled.sum() < counts[0]) {
                if (System.nanoTime() > limit) {
                    throw new IllegalStateException(c.kind().label() + " handled " + handled.sum() + " of "
                            + counts[0] + " events within a minute");
                }
                LockSupport.parkNanos(50_000);
            }
            return new Run(publish, handlerLatency.getIntervalHistogram(), handoffLatency.getIntervalHistogram(),
                    counts[0], counts[1]);
        }
    }
}
