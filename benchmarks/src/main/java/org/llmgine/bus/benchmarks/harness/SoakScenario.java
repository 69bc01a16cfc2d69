package org.llmgine.bus.benchmarks.harness;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import org.llmgine.bus.benchmarks.peer.EventSystem;
import org.llmgine.bus.benchmarks.peer.Setup;
import org.llmgine.bus.benchmarks.peer.SystemKind;
import org.llmgine.bus.benchmarks.peer.Tick;
import org.llmgine.bus.benchmarks.peer.TickPublisher;

/**
 * The {@code soak} scenario: the bus with 64 sessions and one no-op bus-scope handler, first
 * measured flat out (its capacity), then fed at 80 % of that capacity by one paced publisher for
 * the whole duration (default 120 s). A sampler forces a GC at regular intervals and records the
 * heap in use right after it; the least-squares slope of those samples (the first 20 % of the run
 * left out as warm-up) is reported in bytes per minute with a verdict: {@code flat} when the
 * projected growth over the run stays under 8 MiB or 10 % of the mean heap. Also reported: bytes
 * allocated per event, the process's peak RSS (VmHWM), and what an idle open session retains
 * ({@link SessionFootprint}).
 */
final class SoakScenario {

    private static final int SESSIONS = 64;
    private static final double LOAD = 0.8;

    /**
     * Runs the scenario.
     *
     * @param options the duration
     * @return one row, the heap samples in the details
     * @throws Exception if a run failed
     */
    ScenarioResult run(Options options) throws Exception {
        double total = options.duration(120);
        double capacitySeconds = Math.max(1, Math.min(5, total / 10));
        Saturation.run(SystemKind.LLMGINE_BUS, 1, 1, SESSIONS, Math.min(1, capacitySeconds)); // warm-up
        System.gc();
        Saturation.Result capacity = Saturation.run(SystemKind.LLMGINE_BUS, 1, 1, SESSIONS, capacitySeconds);
        double rate = LOAD * capacity.eventsPerSecond();
        MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
        List<double[]> samples = new ArrayList<>();
        LongAdder handled = new LongAdder();
        long[] sent = new long[1];
        long allocated;
        long elapsed;
        try (EventSystem system = SystemKind.LLMGINE_BUS.create(new Setup(1, 1, SESSIONS, t -> handled.increment()))) {
            TickPublisher publisher = system.publisher(0);
            long durationNanos = (long) (total * 1e9);
            System.gc();
            long allocStart = AllocationMeter.totalAllocatedBytes();
            long start = System.nanoTime();
            long end = start + durationNanos;
            Thread pacer = Thread.ofPlatform().name("soak-publisher").start(() -> {
                long n = 0;
                try {
                    long now;
                    while ((now = System.nanoTime()) < end) {
                        long due = (long) ((now - start) * rate / 1e9);
                        while (n < due) {
                            if (publisher.publish(new Tick(n + 1, 0, 0))) {
                                n++;
                            }
                        }
                        LockSupport.parkNanos(20_000);
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                sent[0] = n;
            });
            long interval = (long) (Math.max(0.5, Math.min(10, total / 20)) * 1e9);
            for (long next = start + interval; next < end; next += interval) {
                LockSupport.parkNanos(next - System.nanoTime());
                System.gc();
                samples.add(new double[] {(System.nanoTime() - start) / 1e9, memory.getHeapMemoryUsage().getUsed()});
            }
            pacer.join();
            long limit = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (handled.sum() < sent[0] && System.nanoTime() < limit) {
                LockSupport.parkNanos(100_000);
            }
            elapsed = System.nanoTime() - start;
            allocated = AllocationMeter.totalAllocatedBytes() - allocStart;
        }
        Map<String, Object> heap = heapTrend(samples, total);
        Map<String, Object> footprint = SessionFootprint.measure();
        Map<String, Object> row = Row.of("system", SystemKind.LLMGINE_BUS.label(), "sessions", SESSIONS,
                "capacity_events_per_sec", capacity.eventsPerSecond(), "target_per_sec", rate,
                "achieved_per_sec", sent[0] * 1e9 / elapsed, "events", sent[0], "handled", handled.sum(),
                "alloc_bytes_per_event", sent[0] == 0 ? Double.NaN : (double) allocated / sent[0],
                "peak_rss_bytes", MachineInfo.peakRssBytes());
        row.putAll(heap);
        row.putAll(footprint);
        List<String> breaches = handled.sum() == sent[0] ? List.of()
                : List.of("soak: handled " + handled.sum() + " of " + sent[0] + " events");
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("duration_s", total);
        details.put("heap_samples", samples.stream().map(s -> List.of(s[0], (long) s[1])).toList());
        return new ScenarioResult("soak", List.of("system", "sessions", "capacity_events_per_sec", "target_per_sec",
                "achieved_per_sec", "alloc_bytes_per_event", "peak_rss_bytes", "heap_mean_bytes",
                "heap_slope_bytes_per_min", "heap_verdict", "idle_session_bytes", "session_with_handler_bytes",
                "session_after_event_bytes"), List.of(row), details, breaches);
    }

    /**
     * Fits the post-GC heap samples after the warm-up and judges the trend.
     *
     * @param samples {seconds since start, heap bytes} pairs
     * @param seconds the run's duration
     * @return mean, slope (bytes per minute), projected growth and verdict
     */
    static Map<String, Object> heapTrend(List<double[]> samples, double seconds) {
        List<double[]> steady = samples.stream().filter(s -> s[0] >= 0.2 * seconds).toList();
        double[] x = steady.stream().mapToDouble(s -> s[0]).toArray();
        double[] y = steady.stream().mapToDouble(s -> s[1]).toArray();
        double mean = java.util.Arrays.stream(y).average().orElse(Double.NaN);
        double slopePerMinute = Stats.slope(x, y) * 60;
        double growth = slopePerMinute * (x.length == 0 ? 0 : (x[x.length - 1] - x[0])) / 60;
        String verdict;
        if (x.length < 3) {
            verdict = "inconclusive (fewer than 3 samples)";
        } else if (Math.abs(growth) < Math.max(8 * 1024 * 1024, 0.1 * mean)) {
            verdict = "flat";
        } else {
            verdict = growth > 0 ? "growing" : "shrinking";
        }
        Map<String, Object> trend = new LinkedHashMap<>();
        trend.put("heap_samples_used", x.length);
        trend.put("heap_mean_bytes", mean);
        trend.put("heap_slope_bytes_per_min", slopePerMinute);
        trend.put("heap_growth_over_run_bytes", growth);
        trend.put("heap_verdict", verdict);
        return trend;
    }
}
