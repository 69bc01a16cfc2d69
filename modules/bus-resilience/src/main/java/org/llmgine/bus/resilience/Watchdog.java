package org.llmgine.bus.resilience;

import java.time.InstantSource;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import org.jspecify.annotations.Nullable;
import org.llmgine.bus.spi.ObservableClock;

/**
 * The deadlines of one {@link Timeout}: a queue of armed calls and one virtual thread that
 * interrupts a call whose deadline passed. Hand-written because the JDK's scheduled executors run
 * on {@code System.nanoTime} (a test could not move their time) and cost a task object, a heap
 * insertion and a cancellation per call.
 *
 * <p>Every call of one timeout has the same duration, so deadlines enter the queue in (nearly)
 * arrival order and the head is always the earliest: the watchdog sleeps until the head's deadline
 * and never needs waking for a new call, whose deadline is later. A call that finishes in time
 * marks its entry done with one compare-and-set and unlinks done entries at the head, so the queue
 * holds only calls still running. With no call armed the watchdog sleeps one timeout long, and
 * after an idle sleep it exits (a later call starts it again). An {@link ObservableClock} wakes it
 * when it moves, so tests advance time instead of sleeping.
 */
final class Watchdog {

    private static final int ARMED = 0;
    private static final int FIRING = 1;
    private static final int FIRED = 2;
    private static final int DISARMED = 3;

    /** One armed call: its thread, its deadline and its state (the AtomicInteger's value). */
    static final class Arm extends AtomicInteger {
        private static final long serialVersionUID = 1L;
        final transient Thread thread;
        final long deadline;

        Arm(Thread thread, long deadline) {
            this.thread = thread;
            this.deadline = deadline;
        }
    }

    private final InstantSource clock;
    private final long timeoutMillis;
    private final String name;
    private final ConcurrentLinkedQueue<Arm> armed = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean running = new AtomicBoolean();
    private volatile @Nullable Thread thread;

    Watchdog(InstantSource clock, long timeoutMillis, String name) {
        this.clock = clock;
        this.timeoutMillis = timeoutMillis;
        this.name = name;
        if (clock instanceof ObservableClock observable) {
            observable.onChange(this::wake);
        }
    }

    /** Arms a deadline for the calling thread. */
    Arm arm() {
        Arm arm = new Arm(Thread.currentThread(), clock.millis() + timeoutMillis);
        armed.offer(arm);
        if (!running.get() && running.compareAndSet(false, true)) {
            thread = Thread.ofVirtual().name(name).start(this::loop);
        }
        return arm;
    }

    /**
     * Disarms a deadline: true if the call finished in time; false if it fired, in which case the
     * interrupt it sent has been taken off the calling thread.
     */
    boolean disarm(Arm arm) {
        if (arm.compareAndSet(ARMED, DISARMED)) {
            pruneHead();
            return true;
        }
        while (arm.get() != FIRED) {
            Thread.onSpinWait(); // the watchdog is between its compare-and-set and its interrupt
        }
        Thread.interrupted();
        return false;
    }

    /** The number of calls armed and not yet unlinked (for tests and snapshots). */
    int armedCount() {
        return armed.size();
    }

    private void pruneHead() {
        Arm head;
        while ((head = armed.peek()) != null && head.get() == DISARMED) {
            armed.remove(head);
        }
    }

    private void wake() {
        Thread t = thread;
        if (t != null) {
            LockSupport.unpark(t);
        }
    }

    private void loop() {
        while (true) {
            Arm head = armed.peek();
            if (head == null) {
                LockSupport.parkNanos(this, TimeUnit.MILLISECONDS.toNanos(timeoutMillis));
                if (armed.isEmpty()) {
                    running.set(false);
                    if (armed.isEmpty() || !running.compareAndSet(false, true)) {
                        return; // idle: a later arm starts a new watchdog
                    }
                }
                continue;
            }
            if (head.get() != ARMED) {
                armed.remove(head);
                continue;
            }
            long wait = head.deadline - clock.millis();
            if (wait <= 0) {
                if (head.compareAndSet(ARMED, FIRING)) {
                    head.thread.interrupt();
                    head.set(FIRED);
                }
                armed.remove(head);
                continue;
            }
            LockSupport.parkNanos(this, TimeUnit.MILLISECONDS.toNanos(wait));
        }
    }
}
