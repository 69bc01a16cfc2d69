package org.llmgine.bus.benchmarks.jmh;

import java.util.concurrent.TimeUnit;
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
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * End-to-end dispatch: events per second fully handled by 1 or 8 no-op handlers of one priority,
 * per system.
 *
 * <p>Each invocation publishes a batch of {@value #BATCH} events from one thread and waits (parked)
 * until every handler saw every one of them, so an operation is one event delivered to all its
 * handlers; multiply by {@code handlers} for handler calls per second. With 8 handlers the bus runs
 * one priority group of 8 per event, Guava queues 8 pool tasks, the Disruptor runs 8 processor
 * threads and the ABQ loop calls the 8 inline. {@code -prof gc} gives bytes per event.
 *
 * <pre>{@code
 * java -jar benchmarks/target/benchmarks.jar Dispatch
 * java -jar benchmarks/target/benchmarks.jar Dispatch -p handlers=8 -prof gc
 * }</pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
@Threads(1)
public class DispatchBenchmark {

    /** Events per invocation. */
    static final int BATCH = 1024;

    /** The system under test; {@code ABQ_LOOP} is the JDK baseline. */
    @Param
    public SystemKind system = SystemKind.LLMGINE_BUS;

    /** Handlers of one priority each event reaches. */
    @Param({"1", "8"})
    public int handlers = 1;

    private final BatchWaiter waiter = new BatchWaiter();
    private @Nullable EventSystem running;
    private @Nullable TickPublisher publisher;

    /** Creates the benchmark state; JMH calls this. */
    public DispatchBenchmark() {
    }

    /** Starts the system with its handlers in the bus scope. */
    @org.openjdk.jmh.annotations.Setup(Level.Trial)
    public void start() {
        EventSystem s = system.create(new Setup(1, handlers, 1, waiter));
        running = s;
        publisher = s.publisher(0);
    }

    /** Closes the system. */
    @TearDown(Level.Trial)
    public void stop() {
        EventSystem s = running;
        if (s != null) {
            s.close();
        }
    }

    /**
     * Publishes a batch and waits until every handler saw all of it.
     *
     * @throws InterruptedException if interrupted while waiting for room
     */
    @Benchmark
    @OperationsPerInvocation(BATCH)
    public void dispatch() throws InterruptedException {
        TickPublisher p = publisher;
        if (p == null) {
            throw new IllegalStateException("not started");
        }
        long total = waiter.expect((long) BATCH * handlers);
        for (int i = 0; i < BATCH; i++) {
            if (!p.publish(new Tick(i, 0, 0))) {
                throw new IllegalStateException(system.label() + " refused an event");
            }
        }
        waiter.await(total);
    }
}
