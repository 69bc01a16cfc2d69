package org.llmgine.bus.benchmarks.jmh;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import org.jspecify.annotations.Nullable;
import org.llmgine.bus.MessageBus;
import org.llmgine.bus.OverflowStrategy;
import org.llmgine.bus.PublishOutcome;
import org.llmgine.bus.benchmarks.peer.Setup;
import org.llmgine.bus.benchmarks.peer.Tick;
import org.llmgine.bus.metrics.BusMetrics;
import org.llmgine.bus.spi.BusObserver;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The cost of the Micrometer binding: {@code publish} throughput of the bus with one no-op handler,
 * the same bus as {@link PublishBenchmark}'s (capacity {@value Setup#CAPACITY}, BLOCK), with
 * {@code metrics=off} (no observer), {@code metrics=observer} (an observer that does nothing) and
 * {@code metrics=no-histograms} ({@link BusMetrics#withoutHistograms()}) and
 * {@code metrics=on} ({@link BusMetrics} on a
 * {@link SimpleMeterRegistry}: every event counted at publish and delivery, every handler
 * invocation timed into a histogram, the dispatch lag timed). Run both in one invocation and
 * compare: {@code java -jar benchmarks/target/benchmarks.jar MetricsBenchmark -prof gc}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class MetricsBenchmark {

    /**
     * {@code off}: no observer; {@code observer}: an observer that does nothing (the bus's own cost
     * of reporting to one); {@code on}: the metrics observer.
     */
    @Param({"off", "observer", "on", "no-histograms"})
    public String metrics = "off";

    private final LongAdder handled = new LongAdder();
    private @Nullable MessageBus bus;

    /** Creates the benchmark state; JMH calls this. */
    public MetricsBenchmark() {
    }

    /** Starts the bus with one no-op handler, metered or not. */
    @org.openjdk.jmh.annotations.Setup(Level.Trial)
    public void start() {
        MessageBus.Builder builder = MessageBus.builder().name("bench").queueCapacity(Setup.CAPACITY)
                .overflowStrategy(OverflowStrategy.BLOCK);
        if (metrics.equals("on")) {
            builder.addObserver(BusMetrics.of(new SimpleMeterRegistry()));
        } else if (metrics.equals("no-histograms")) {
            builder.addObserver(BusMetrics.of(new SimpleMeterRegistry()).withoutHistograms());
        } else if (metrics.equals("observer")) {
            builder.addObserver(new BusObserver() { });
        }
        MessageBus started = builder.start();
        started.subscribe(Tick.class, tick -> handled.increment());
        bus = started;
    }

    /** Closes the bus. */
    @TearDown(Level.Trial)
    public void stop() {
        MessageBus b = bus;
        if (b != null) {
            b.close();
        }
    }

    /** Events per {@link #publishAndDrain} invocation. */
    static final int BATCH = 1000;

    /**
     * Publishes {@value #BATCH} events and waits until the handler has run for all of them: the
     * rate of publish and handling together, which does not depend on whether the publisher or the
     * worker is ahead (the {@link #publish} case moves between two regimes from fork to fork).
     *
     * @return the handled count (returned so JMH consumes it)
     */
    @Benchmark
    @org.openjdk.jmh.annotations.OperationsPerInvocation(BATCH)
    public long publishAndDrain() {
        MessageBus b = bus;
        if (b == null) {
            throw new IllegalStateException("not started");
        }
        long target = handled.sum() + BATCH;
        for (int i = 0; i < BATCH; i++) {
            b.publish(new Tick(i, 0, 0));
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        long now;
        while ((now = handled.sum()) < target) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("the handler ran " + (now - target + BATCH) + " of " + BATCH
                        + " events in 10 s");
            }
            Thread.onSpinWait();
        }
        return now;
    }

    /**
     * Publishes one event.
     *
     * @return whether it was accepted (returned so JMH consumes it)
     */
    @Benchmark
    public boolean publish() {
        MessageBus b = bus;
        return b != null && b.publish(new Tick(0, 0, 0)) instanceof PublishOutcome.Accepted;
    }
}
