package org.llmgine.bus.benchmarks.harness;

import java.lang.management.ManagementFactory;

/**
 * Bytes allocated on the heap by every thread of the JVM, the numerator of "bytes per event".
 *
 * <p>It reads {@code com.sun.management.ThreadMXBean#getTotalThreadAllocatedBytes()} (module
 * jdk.management): the sum over live platform threads plus what exited threads allocated. Virtual
 * threads are not platform threads, but while one runs it is mounted on a carrier thread and
 * allocates from that carrier's thread-local allocation buffer, so its allocation is counted under
 * the carrier. {@link #countsVirtualThreads()} checks that on the running JVM instead of
 * assuming it: it allocates a known amount on a virtual thread and looks at the total.
 *
 * <p>Caveats: the total covers the whole JVM, so the harness's own threads (publishers, samplers)
 * count too, and so does the rest of the JVM (JIT compiler threads allocate little on the heap);
 * throughput runs publish one shared event instance so the harness adds almost nothing per event.
 */
final class AllocationMeter {

    private static final com.sun.management.ThreadMXBean THREADS =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    /** Keeps the check's allocations from being optimised away. */
    private static volatile Object sink = new Object();

    private AllocationMeter() {
    }

    /**
     * Tells whether the JVM can measure allocation per thread, enabling it if it is off.
     *
     * @return true if {@link #totalAllocatedBytes()} is meaningful
     */
    static boolean supported() {
        if (!THREADS.isThreadAllocatedMemorySupported()) {
            return false;
        }
        if (!THREADS.isThreadAllocatedMemoryEnabled()) {
            THREADS.setThreadAllocatedMemoryEnabled(true);
        }
        return true;
    }

    /**
     * Returns the bytes allocated so far by all threads, live and exited.
     *
     * @return a monotonic total, or -1 if unsupported
     */
    static long totalAllocatedBytes() {
        return supported() ? THREADS.getTotalThreadAllocatedBytes() : -1;
    }

    /**
     * Checks that allocations made on virtual threads show in {@link #totalAllocatedBytes()}: four
     * virtual threads allocate 64 MiB in small arrays (the thread-local buffer path events take);
     * the total must grow by at least 90 % of that. Other threads can only add to the growth, so
     * the check cannot fail because of them.
     *
     * @return true if virtual-thread allocation is counted
     * @throws InterruptedException if interrupted while joining the threads
     */
    static boolean countsVirtualThreads() throws InterruptedException {
        if (!supported()) {
            return false;
        }
        int threads = 4;
        int arrays = 256 * 1024;
        int arrayBytes = 64; // a byte[48] takes 64 bytes with its header
        long before = totalAllocatedBytes();
        Thread[] started = new Thread[threads];
        for (int t = 0; t < threads; t++) {
            started[t] = Thread.ofVirtual().name("allocation-check-" + t).start(() -> {
                for (int i = 0; i < arrays; i++) {
                    sink = new byte[48];
                }
            });
        }
        for (Thread thread : started) {
            thread.join();
        }
        long grown = totalAllocatedBytes() - before;
        return grown >= 0.9 * threads * (long) arrays * arrayBytes;
    }
}
