package org.llmgine.bus.benchmarks.jmh;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import org.jspecify.annotations.Nullable;
import org.llmgine.bus.benchmarks.peer.EventSystem;
import org.llmgine.bus.benchmarks.peer.Setup;
import org.llmgine.bus.benchmarks.peer.SystemKind;
import org.llmgine.bus.benchmarks.peer.Tick;
import org.llmgine.bus.benchmarks.peer.TickPublisher;
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
 * The cost of one {@code publish} call with one no-op handler draining concurrently, per system.
 *
 * <p>Every JMH thread publishes a new 40-byte event per call as fast as it can. The queues are
 * bounded (8192), so in steady state a publish costs whichever is slower: the publisher's own
 * work, or waiting for room while the consumer side catches up. Compare it with
 * {@link DispatchBenchmark}, which waits for the handlers. {@code -prof gc} shows the bytes each
 * publish allocates, the event included. With {@code sessions} above 1 the bus's publishers
 * round-robin over that many sessions (the peers have no sessions and ignore it).
 *
 * <pre>{@code
 * java -jar benchmarks/target/benchmarks.jar Publish              # one publisher
 * java -jar benchmarks/target/benchmarks.jar Publish -t 4 -prof gc  # four publishers, allocation
 * java -jar benchmarks/target/benchmarks.jar Publish -p system=LLMGINE_BUS -p sessions=1,64,10000 -prof gc
 * }</pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class PublishBenchmark {

    /** The system under test; {@code ABQ_LOOP} is the JDK baseline. */
    @Param
    public SystemKind system = SystemKind.LLMGINE_BUS;

    /** Bus sessions the publishers round-robin over; 1 is the bus scope (the peers ignore it). */
    @Param("1")
    public int sessions = 1;

    /** Handler calls, so the handler is not a no-op the JIT could drop. */
    private final LongAdder handled = new LongAdder();
    private final AtomicInteger publishers = new AtomicInteger();
    private @Nullable EventSystem running;

    /** Creates the benchmark state; JMH calls this. */
    public PublishBenchmark() {
    }

    /**
     * Starts the system with one handler, in the bus scope or over {@code sessions} sessions.
     *
     * @param threads the number of JMH threads, which will publish
     */
    @org.openjdk.jmh.annotations.Setup(Level.Trial)
    public void start(org.openjdk.jmh.infra.BenchmarkParams threads) {
        running = system.create(new Setup(Math.max(1, threads.getThreads()), 1, sessions, tick -> handled.increment()));
    }

    /** Closes the system after it handled what it accepted. */
    @TearDown(Level.Trial)
    public void stop() {
        EventSystem s = running;
        if (s != null) {
            s.close();
        }
    }

    EventSystem running() {
        EventSystem s = running;
        if (s == null) {
            throw new IllegalStateException("not started");
        }
        return s;
    }

    /** One JMH thread's publisher. */
    @State(Scope.Thread)
    public static class Publisher {

        @Nullable TickPublisher publisher;

        /** Creates the state; JMH calls this. */
        public Publisher() {
        }

        /**
         * Takes this thread's publisher from the running system.
         *
         * @param benchmark the shared state
         */
        @org.openjdk.jmh.annotations.Setup(Level.Trial)
        public void take(PublishBenchmark benchmark) {
            publisher = benchmark.running().publisher(benchmark.publishers.getAndIncrement());
        }
    }

    /**
     * Publishes one event.
     *
     * @param thread this thread's publisher
     * @return whether it was accepted (returned so JMH consumes it)
     * @throws InterruptedException if interrupted while waiting for room
     */
    @Benchmark
    public boolean publish(Publisher thread) throws InterruptedException {
        TickPublisher p = thread.publisher;
        return p != null && p.publish(new Tick(0, 0, 0)); // a new event per publish, as applications do
    }
}
