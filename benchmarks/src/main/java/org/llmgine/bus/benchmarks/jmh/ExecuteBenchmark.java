package org.llmgine.bus.benchmarks.jmh;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.llmgine.bus.DeliveryOutcome;
import org.llmgine.bus.MessageBus;
import org.llmgine.bus.benchmarks.peer.Tick;
import org.llmgine.bus.message.Command;
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
 * Round trips: the time from asking for work on another thread to having its answer.
 *
 * <ul>
 *   <li>{@code BUS_EXECUTE}: {@code bus.execute(new Echo(n))}, a bus-scope command handler that
 *       returns {@code n + 1} on the bus's virtual thread;</li>
 *   <li>{@code BUS_PUBLISH_AND_WAIT}: {@code bus.publishAndWait(event)} with one no-op handler on
 *       an otherwise idle bus;</li>
 *   <li>{@code CF_VIRTUAL}: the JDK baseline,
 *       {@code CompletableFuture.supplyAsync(() -> n + 1, virtualThreadPerTaskExecutor).join()}.</li>
 * </ul>
 *
 * <pre>{@code
 * java -jar benchmarks/target/benchmarks.jar Execute
 * java -jar benchmarks/target/benchmarks.jar Execute -t 16 -prof gc   # 16 concurrent callers
 * }</pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class ExecuteBenchmark {

    /** The command of {@code BUS_EXECUTE}: its handler answers {@code value + 1}. */
    record Echo(long value) implements Command<Long> {
    }

    /** One way to make a round trip. */
    interface RoundTrip extends AutoCloseable {
        /**
         * Makes one round trip.
         *
         * @param n an input
         * @return the answer
         * @throws Exception if the round trip failed
         */
        long call(long n) throws Exception;

        @Override
        void close();
    }

    /** The competitors, as factories; {@code CF_VIRTUAL} is the JDK baseline. */
    public enum Competitor {
        /** {@code MessageBus.execute} of a command with a bus-scope handler. */
        BUS_EXECUTE {
            @Override
            RoundTrip create() {
                MessageBus bus = MessageBus.builder().name("jmh-execute").build();
                bus.registerCommand(Echo.class, (command, context) -> command.value() + 1);
                bus.start();
                return new RoundTrip() {
                    @Override
                    public long call(long n) {
                        return bus.execute(new Echo(n)).orThrow();
                    }

                    @Override
                    public void close() {
                        bus.close(Duration.ofSeconds(10));
                    }
                };
            }
        },
        /** {@code MessageBus.publishAndWait} of an event with one no-op handler. */
        BUS_PUBLISH_AND_WAIT {
            @Override
            RoundTrip create() {
                MessageBus bus = MessageBus.builder().name("jmh-publish-and-wait").build();
                bus.subscribe(Tick.class, tick -> { });
                bus.start();
                return new RoundTrip() {
                    @Override
                    public long call(long n) throws InterruptedException {
                        DeliveryOutcome outcome = bus.publishAndWait(new Tick(0, 0, 0));
                        if (outcome instanceof DeliveryOutcome.Delivered delivered) {
                            return delivered.handlersInvoked();
                        }
                        throw new IllegalStateException("publishAndWait did not deliver: " + outcome);
                    }

                    @Override
                    public void close() {
                        bus.close(Duration.ofSeconds(10));
                    }
                };
            }
        },
        /** The JDK baseline: a hop to a new virtual thread and back through a CompletableFuture. */
        CF_VIRTUAL {
            @Override
            RoundTrip create() {
                ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
                return new RoundTrip() {
                    @Override
                    public long call(long n) {
                        return CompletableFuture.supplyAsync(() -> n + 1, executor).join();
                    }

                    @Override
                    public void close() {
                        executor.close();
                    }
                };
            }
        };

        abstract RoundTrip create();
    }

    /** The competitor under test. */
    @Param
    public Competitor competitor = Competitor.BUS_EXECUTE;

    private @Nullable RoundTrip roundTrip;

    /** Creates the benchmark state; JMH calls this. */
    public ExecuteBenchmark() {
    }

    /** Starts the competitor. */
    @org.openjdk.jmh.annotations.Setup(Level.Trial)
    public void start() {
        roundTrip = competitor.create();
    }

    /** Stops the competitor. */
    @TearDown(Level.Trial)
    public void stop() {
        RoundTrip r = roundTrip;
        if (r != null) {
            r.close();
        }
    }

    /**
     * Makes one round trip.
     *
     * @param input this thread's counter, varied so nothing is constant-folded
     * @return the answer
     * @throws Exception if the round trip failed
     */
    @Benchmark
    public long roundTrip(Counter input) throws Exception {
        RoundTrip r = roundTrip;
        if (r == null) {
            throw new IllegalStateException("not started");
        }
        return r.call(input.next++);
    }

    /** A per-thread input counter. */
    @State(Scope.Thread)
    public static class Counter {
        long next;

        /** Creates the state; JMH calls this. */
        public Counter() {
        }
    }
}
