package org.llmgine.bus.benchmarks.jmh;

import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.jspecify.annotations.Nullable;
import org.llmgine.bus.benchmarks.peer.Tick;
import org.llmgine.bus.benchmarks.peer.TickHandler;

/**
 * A counting handler a benchmark thread can wait on: the thread sets a target number of handler
 * calls, publishes, then parks until the handlers reach it; the call that reaches it unparks the
 * thread. Waiting by parking keeps the waiter off the two cores the systems need.
 */
final class BatchWaiter implements TickHandler {

    private final AtomicLong calls = new AtomicLong();
    private volatile long target = Long.MAX_VALUE;
    private volatile @Nullable Thread waiter;

    @Override
    public void onTick(Tick tick) {
        if (calls.incrementAndGet() == target) {
            Thread w = waiter;
            if (w != null) {
                LockSupport.unpark(w);
            }
        }
    }

    /**
     * Declares how many more calls the caller will wait for; call before publishing them.
     *
     * @param more handler calls to come
     * @return the total to wait for
     */
    long expect(long more) {
        waiter = Thread.currentThread();
        long t = target == Long.MAX_VALUE ? more : target + more;
        target = t;
        return t;
    }

    /**
     * Parks until the handlers made {@code total} calls.
     *
     * @param total the value {@link #expect(long)} returned
     */
    void await(long total) {
        while (calls.get() < total) {
            LockSupport.park(this);
        }
    }
}
