package org.llmgine.bus.resilience;

import java.time.InstantSource;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.concurrent.locks.LockSupport;
import org.jspecify.annotations.Nullable;
import org.llmgine.bus.spi.ObservableClock;

/**
 * The deadlines of one {@link Timeout}: a table of armed calls and one virtual thread that
 * interrupts a call whose deadline passed. Hand-written because the JDK's scheduled executors run
 * on {@code System.nanoTime} (a test could not move their time) and cost a task object, a heap
 * insertion and a cancellation per call.
 *
 * <p>A call arms by taking a free slot of the table with one compare-and-set (the slot is chosen
 * from the thread's id, so concurrent callers touch different slots) and disarms by one
 * compare-and-set on its own entry and one write freeing the slot: nothing is shared between
 * callers but the table, and the table holds only calls still running. If every slot is taken the
 * call goes to an overflow set. Every call of one timeout has the same duration, so a call armed
 * after the watchdog looked is due no earlier than the watchdog's next look: the watchdog scans the
 * table, fires what is due, and sleeps until the earliest deadline it saw, or one timeout long if
 * it saw none; a new call never has to wake it. After a scan that found nothing it exits (the next
 * call starts it again). An {@link ObservableClock} wakes it when it moves, so tests advance time
 * instead of sleeping.
 *
 * <p>Timeouts nest on one thread (a total timeout around an attempt timeout): each armed call
 * links to the one it runs inside, through a thread-local, so an inner timeout that takes its
 * interrupt back keeps it on the thread when an enclosing deadline fired too; the interrupts of
 * two deadlines share the thread's one flag.
 */
final class Watchdog {

    private static final int ARMED = 0;
    private static final int FIRING = 1;
    private static final int FIRED = 2;
    private static final int DISARMED = 3;
    private static final int SLOTS = 256;

    /** One armed call: its thread, its deadline, its slot (-1 in the overflow set) and its state. */
    static final class Arm extends AtomicInteger {
        private static final long serialVersionUID = 1L;
        final transient Thread thread;
        final long deadline;
        int slot = -1;
        /** The deadline this call runs inside on the same thread (a total timeout around an attempt's), or null. */
        transient @Nullable Arm outer;

        Arm(Thread thread, long deadline) {
            this.thread = thread;
            this.deadline = deadline;
        }
    }

    /** The innermost deadline armed on each thread, for nested timeouts (a total one around an attempt's). */
    private static final ThreadLocal<@Nullable Arm> CURRENT = new ThreadLocal<>();

    private final InstantSource clock;
    private final long timeoutMillis;
    private final String name;
    private final AtomicReferenceArray<@Nullable Arm> table = new AtomicReferenceArray<>(SLOTS);
    private final Set<Arm> overflow = ConcurrentHashMap.newKeySet();
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
        Thread caller = Thread.currentThread();
        long now = clock.millis();
        Arm arm = new Arm(caller, Durations.plus(now, timeoutMillis));
        arm.outer = CURRENT.get();
        CURRENT.set(arm);
        int start = (int) (caller.threadId() * 0x9E3779B9L >>> 24) & (SLOTS - 1);
        for (int i = 0; i < SLOTS; i++) {
            int slot = (start + i) & (SLOTS - 1);
            if (table.get(slot) == null && table.compareAndSet(slot, null, arm)) {
                arm.slot = slot;
                break;
            }
        }
        if (arm.slot < 0) {
            overflow.add(arm);
        }
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
        CURRENT.set(arm.outer);
        boolean inTime = arm.compareAndSet(ARMED, DISARMED);
        if (!inTime) {
            for (int spins = 0; arm.get() != FIRED; spins++) {
                // the watchdog is between its compare-and-set and its interrupt
                if (spins < 100) {
                    Thread.onSpinWait();
                } else {
                    Thread.yield();
                }
            }
            Thread.interrupted();
            if (outerFired(arm.outer)) {
                Thread.currentThread().interrupt(); // that interrupt was the enclosing deadline's too: keep it
            }
        }
        if (arm.slot >= 0) {
            table.set(arm.slot, null);
        } else {
            overflow.remove(arm);
        }
        return inTime;
    }

    /**
     * Tells whether a deadline armed on the calling thread (by any timeout) has fired and not yet
     * been disarmed: an interrupt the thread sees now may be that deadline's.
     */
    static boolean firedOnThisThread() {
        return outerFired(CURRENT.get());
    }

    private static boolean outerFired(@Nullable Arm arm) {
        for (Arm a = arm; a != null; a = a.outer) {
            int state = a.get();
            if (state == FIRING || state == FIRED) {
                return true;
            }
        }
        return false;
    }

    /** The number of calls armed now (for tests and snapshots). */
    int armedCount() {
        int n = overflow.size();
        for (int i = 0; i < SLOTS; i++) {
            if (table.get(i) != null) {
                n++;
            }
        }
        return n;
    }

    private void wake() {
        Thread t = thread;
        if (t != null) {
            LockSupport.unpark(t);
        }
    }

    private void loop() {
        while (true) {
            long now = clock.millis();
            long earliest = Long.MAX_VALUE;
            for (int i = 0; i < SLOTS; i++) {
                earliest = Math.min(earliest, check(table.get(i), now));
            }
            for (Arm arm : overflow) {
                earliest = Math.min(earliest, check(arm, now));
            }
            if (earliest == Long.MAX_VALUE) {
                LockSupport.parkNanos(this, TimeUnit.MILLISECONDS.toNanos(timeoutMillis));
                if (armedCount() == 0) {
                    running.set(false);
                    if (armedCount() == 0 || !running.compareAndSet(false, true)) {
                        return; // idle: a later arm starts a new watchdog
                    }
                }
                continue;
            }
            LockSupport.parkNanos(this, TimeUnit.MILLISECONDS.toNanos(Math.max(1, earliest - now)));
        }
    }

    /** Fires {@code arm} if it is due; returns its deadline if it is still armed and not due. */
    private static long check(@Nullable Arm arm, long now) {
        if (arm == null || arm.get() != ARMED) {
            return Long.MAX_VALUE;
        }
        if (arm.deadline > now) {
            return arm.deadline;
        }
        if (arm.compareAndSet(ARMED, FIRING)) {
            arm.thread.interrupt();
            arm.set(FIRED);
        }
        return Long.MAX_VALUE;
    }
}
