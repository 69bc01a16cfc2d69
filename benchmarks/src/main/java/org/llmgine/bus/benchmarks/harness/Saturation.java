package org.llmgine.bus.benchmarks.harness;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Function;
import org.llmgine.bus.benchmarks.peer.EventSystem;
import org.llmgine.bus.benchmarks.peer.Setup;
import org.llmgine.bus.benchmarks.peer.SystemKind;
import org.llmgine.bus.benchmarks.peer.Tick;
import org.llmgine.bus.benchmarks.peer.TickPublisher;

/**
 * One closed-loop run at full speed: publisher threads publish a new event each time, as fast as
 * the system takes them, for a fixed time, then the run waits until the handlers saw every accepted event. Throughput is
 * counted from the release of the publishers to the moment the last handler call was observed, so
 * events still queued when publishing stopped count only once handled.
 */
final class Saturation {

    /** How long to wait for the handlers to catch up before declaring the run broken. */
    private static final long DRAIN_LIMIT_NANOS = TimeUnit.SECONDS.toNanos(60);

    private Saturation() {
    }

    /**
     * The figures of one run.
     *
     * @param events events accepted (and so handled)
     * @param handlerCalls handler invocations observed, {@code events × handlers}
     * @param refused events the system refused (the bus under BLOCK after its publish timeout)
     * @param elapsedNanos from the publishers' release to the last handler call observed
     * @param allocatedBytes bytes allocated by all threads meanwhile, or negative if unknown
     */
    record Result(long events, long handlerCalls, long refused, long elapsedNanos, long allocatedBytes) {

        double eventsPerSecond() {
            return events * 1e9 / elapsedNanos;
        }

        double handlerCallsPerSecond() {
            return handlerCalls * 1e9 / elapsedNanos;
        }

        double bytesPerEvent() {
            return allocatedBytes < 0 || events == 0 ? Double.NaN : (double) allocatedBytes / events;
        }
    }

    /**
     * Runs one system flat out.
     *
     * @param kind the system
     * @param publishers publisher threads (platform threads)
     * @param handlers no-op counting handlers of one priority
     * @param sessions 1 for the bus scope, or bus sessions to round-robin over
     * @param seconds how long to publish
     * @return the figures
     * @throws InterruptedException if interrupted
     * @throws IllegalStateException if the handlers did not catch up within a minute
     */
    static Result run(SystemKind kind, int publishers, int handlers, int sessions, double seconds)
            throws InterruptedException {
        return run(kind.label(), kind::create, publishers, handlers, sessions, 0, seconds);
    }

    /**
     * Runs a system flat out, its handlers optionally spinning for a while per call.
     *
     * @param label the system's label, for errors
     * @param factory creates and starts the system
     * @param publishers publisher threads (platform threads)
     * @param handlers counting handlers of one priority
     * @param sessions 1 for the bus scope, or bus sessions to round-robin over
     * @param workNanos how long each handler call spins before it returns (0: a no-op handler)
     * @param seconds how long to publish
     * @return the figures
     * @throws InterruptedException if interrupted
     * @throws IllegalStateException if the handlers did not catch up within a minute
     */
    static Result run(String label, Function<Setup, EventSystem> factory, int publishers, int handlers, int sessions,
            long workNanos, double seconds) throws InterruptedException {
        LongAdder calls = new LongAdder();
        Setup setup = new Setup(publishers, handlers, sessions, workNanos == 0 ? tick -> calls.increment() : tick -> {
            long until = System.nanoTime() + workNanos;
            while (System.nanoTime() < until) {
                Thread.onSpinWait();
            }
            calls.increment();
        });
        try (EventSystem system = factory.apply(setup)) {
            CountDownLatch go = new CountDownLatch(1);
            AtomicLong accepted = new AtomicLong();
            AtomicLong refused = new AtomicLong();
            long durationNanos = (long) (seconds * 1e9);
            Thread[] threads = new Thread[publishers];
            long[] deadline = new long[1];
            for (int p = 0; p < publishers; p++) {
                TickPublisher publisher = system.publisher(p);
                threads[p] = Thread.ofPlatform().name("bench-publisher-" + p).start(() -> {
                    long ok = 0;
                    long no = 0;
                    try {
                        go.await();
                        long end = deadline[0];
                        long seq = 0;
                        do {
                            for (int i = 0; i < 64; i++) {
                                // a new event per publish, as applications do (the allocation counts)
                                if (publisher.publish(new Tick(++seq, 0, 0))) {
                                    ok++;
                                } else {
                                    no++;
                                }
                            }
                        } while (System.nanoTime() < end);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    } finally {
                        accepted.addAndGet(ok);
                        refused.addAndGet(no);
                    }
                });
            }
            long allocStart = AllocationMeter.totalAllocatedBytes();
            long start = System.nanoTime();
            deadline[0] = start + durationNanos; // published to the threads by the latch
            go.countDown();
            for (Thread thread : threads) {
                thread.join();
            }
            long expected = accepted.get() * handlers;
            long limit = System.nanoTime() + DRAIN_LIMIT_NANOS;
            while (calls.sum() < expected) {
                if (System.nanoTime() > limit) {
                    throw new IllegalStateException(label + " handled " + calls.sum() + " of " + expected
                            + " handler calls within a minute of the end of publishing");
                }
                LockSupport.parkNanos(20_000);
            }
            long end = System.nanoTime();
            long allocEnd = AllocationMeter.totalAllocatedBytes();
            long allocated = allocStart < 0 ? -1 : allocEnd - allocStart;
            return new Result(accepted.get(), calls.sum(), refused.get(), end - start, allocated);
        }
    }
}
