package org.llmgine.bus.internal;

import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.llmgine.bus.HandlerFailure;

/**
 * What a {@code publishAndWait} caller waits on: completed once by the lane that delivered (or
 * cancelled) the event, or by close if it returned the event undelivered.
 *
 * <p>Concurrency: handler threads of one group add failures concurrently (a lock-free queue); the
 * final state is written before the latch opens, so the waiter reads it after {@code await}.
 */
final class Waiter {

    enum Status { PENDING, DELIVERED, CANCELLED, RETURNED, DROPPED }

    private final CountDownLatch done = new CountDownLatch(1);
    private final ConcurrentLinkedQueue<HandlerFailure> failures = new ConcurrentLinkedQueue<>();
    private volatile Status status = Status.PENDING;
    private volatile int handlersInvoked;

    void addFailure(HandlerFailure failure) {
        failures.add(failure);
    }

    void complete(Status outcome, int invoked) {
        this.handlersInvoked = invoked;
        this.status = outcome;
        done.countDown();
    }

    boolean await(long nanos) throws InterruptedException {
        return done.await(nanos, TimeUnit.NANOSECONDS);
    }

    Status status() {
        return status;
    }

    int handlersInvoked() {
        return handlersInvoked;
    }

    List<HandlerFailure> failures() {
        return List.copyOf(failures);
    }
}
