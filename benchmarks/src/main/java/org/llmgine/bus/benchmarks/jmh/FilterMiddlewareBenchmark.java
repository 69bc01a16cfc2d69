package org.llmgine.bus.benchmarks.jmh;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.llmgine.bus.MessageBus;
import org.llmgine.bus.benchmarks.peer.Tick;
import org.llmgine.bus.filter.EventFilter;
import org.llmgine.bus.filter.Filters;
import org.llmgine.bus.message.Event;
import org.llmgine.bus.middleware.EventMiddleware;
import org.llmgine.bus.middleware.TimingMiddleware;
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
 * The cost of the bus's filters and event middleware, against the plain bus (the baseline here:
 * peers have no such pipeline).
 *
 * <ul>
 *   <li>{@link #dispatch()}: events per second fully handled (batches of {@value #BATCH}, as in
 *       {@link DispatchBenchmark}) by one no-op handler, through three passing filters, three
 *       pass-through middlewares, the built-in {@code TimingMiddleware}, or filters and middleware;</li>
 *   <li>{@link #publishDeclined()}: one {@code publish} of an event the last filter declines, the
 *       filter chain's cost without the queue (in {@code PLAIN} there is no filter, so the event is
 *       queued: that row is the cost of an accepted publish).</li>
 * </ul>
 *
 * <pre>{@code
 * java -jar benchmarks/target/benchmarks.jar FilterMiddleware -prof gc
 * }</pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
@Threads(1)
public class FilterMiddlewareBenchmark {

    /** Events per {@link #dispatch()} invocation. */
    static final int BATCH = 1024;

    /** An event that the declining filter refuses, and that no handler subscribes to. */
    record Declined() implements Event {
    }

    private static final Declined DECLINED = new Declined();

    /** The pipelines, as factories of a configured builder. */
    public enum Pipeline {
        /** No filter, no middleware: the baseline. */
        PLAIN,
        /** Three filters that let the benchmark's event through, the third declining {@code Declined}. */
        FILTERS_3,
        /** Three event middlewares that only proceed. */
        MIDDLEWARE_3,
        /** The built-in {@code TimingMiddleware}. */
        TIMING_MIDDLEWARE,
        /** The three filters and the three middlewares. */
        FILTERS_3_MIDDLEWARE_3;

        MessageBus.Builder configure(MessageBus.Builder builder) {
            if (this == FILTERS_3 || this == FILTERS_3_MIDDLEWARE_3) {
                builder.addFilter(Filters.typesOrSubtypes(Event.class))
                        .addFilter(EventFilter.named("no-header", (e, s, h) -> h.get("skip").isEmpty()))
                        .addFilter(Filters.excludeTypes(Declined.class));
            }
            if (this == MIDDLEWARE_3 || this == FILTERS_3_MIDDLEWARE_3) {
                EventMiddleware proceed = (event, context, handler, chain) -> chain.proceed();
                builder.addEventMiddleware(proceed).addEventMiddleware(proceed).addEventMiddleware(proceed);
            }
            if (this == TIMING_MIDDLEWARE) {
                builder.addEventMiddleware(new TimingMiddleware());
            }
            return builder;
        }
    }

    /** The pipeline under test. */
    @Param
    public Pipeline pipeline = Pipeline.PLAIN;

    private final BatchWaiter waiter = new BatchWaiter();
    private @Nullable MessageBus bus;

    /** Creates the benchmark state; JMH calls this. */
    public FilterMiddlewareBenchmark() {
    }

    /** Starts a bus with the pipeline and one handler. */
    @org.openjdk.jmh.annotations.Setup(Level.Trial)
    public void start() {
        MessageBus b = pipeline.configure(MessageBus.builder().name("jmh-pipeline").queueCapacity(8192)).build();
        b.subscribe(Tick.class, waiter::onTick);
        bus = b.start();
    }

    /** Closes the bus. */
    @TearDown(Level.Trial)
    public void stop() {
        MessageBus b = bus;
        if (b != null) {
            b.close(Duration.ofSeconds(10));
        }
    }

    private MessageBus bus() {
        MessageBus b = bus;
        if (b == null) {
            throw new IllegalStateException("not started");
        }
        return b;
    }

    /** Publishes a batch and waits until the handler saw all of it. */
    @Benchmark
    @OperationsPerInvocation(BATCH)
    public void dispatch() {
        MessageBus b = bus();
        long total = waiter.expect(BATCH);
        for (int i = 0; i < BATCH; i++) {
            if (!b.publish(new Tick(i, 0, 0)).isAccepted()) {
                throw new IllegalStateException("the bus refused an event");
            }
        }
        waiter.await(total);
    }

    /**
     * Publishes one event that the filters decline.
     *
     * @return the outcome, consumed by JMH
     */
    @Benchmark
    public Object publishDeclined() {
        return bus().publish(DECLINED);
    }
}
