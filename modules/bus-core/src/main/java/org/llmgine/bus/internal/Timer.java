package org.llmgine.bus.internal;

import java.lang.System.Logger.Level;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.PriorityQueue;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.jspecify.annotations.Nullable;
import org.llmgine.bus.spi.ObservableClock;

/**
 * The bus's timer: one virtual thread that waits, on a condition, for the earliest due task, then
 * runs every due task in due order. It never polls and never requeues: it sleeps until the head is
 * due, and is woken early only when an earlier task arrives, the clock changes (an
 * {@link ObservableClock}), or the bus stops it. Scheduled events and approval expiries are its tasks.
 *
 * <p>Concurrency: {@code lock} guards the task heap and {@code stopped}; {@code changed} is
 * signalled under it. Tasks run on the timer thread outside the lock, one after another; they must
 * not block (a due event is published without waiting for room). ReentrantLock, not an intrinsic
 * monitor, so the waiting virtual thread does not pin its carrier.
 */
final class Timer {

    private static final System.Logger LOG = System.getLogger("org.llmgine.bus");

    /** Something to run at a due time. Ties are run in the order they were scheduled. */
    abstract static class Task implements Comparable<Task> {
        final Instant due;
        long seq;

        Task(Instant due) {
            this.due = due;
        }

        /** Runs on the timer thread; must not block. */
        abstract void run();

        @Override
        public final int compareTo(Task other) {
            int byDue = due.compareTo(other.due);
            return byDue != 0 ? byDue : Long.compare(seq, other.seq);
        }
    }

    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private final PriorityQueue<Task> tasks = new PriorityQueue<>();
    private final InstantSource clock;
    private final String busName;
    private long nextSeq;
    private boolean stopped;
    private @Nullable Runnable unsubscribe;
    private volatile @Nullable Thread thread;

    Timer(InstantSource clock, String busName) {
        this.clock = clock;
        this.busName = busName;
    }

    /** Starts the timer thread; tasks scheduled before run once they are due. */
    void start(BusThreads threads) {
        if (clock instanceof ObservableClock observable) {
            unsubscribe = observable.onChange(this::wake);
        }
        thread = threads.startTimer(this::loop);
    }

    /** Returns the timer thread, or null before start. */
    @Nullable Thread thread() {
        return thread;
    }

    /** Adds a task; wakes the timer if it is now the earliest. */
    void schedule(Task task) {
        lock.lock();
        try {
            task.seq = nextSeq++;
            tasks.add(task);
            if (tasks.peek() == task) {
                changed.signal();
            }
        } finally {
            lock.unlock();
        }
    }

    /** Removes a task that has not run; false if it is not (or no longer) scheduled. */
    boolean remove(Task task) {
        lock.lock();
        try {
            return tasks.remove(task);
        } finally {
            lock.unlock();
        }
    }

    private void wake() {
        lock.lock();
        try {
            changed.signal();
        } finally {
            lock.unlock();
        }
    }

    /** Stops the timer and returns the tasks that never ran, in due order. */
    List<Task> stop() {
        List<Task> rest = new ArrayList<>();
        lock.lock();
        try {
            stopped = true;
            while (!tasks.isEmpty()) {
                rest.add(tasks.poll());
            }
            changed.signalAll();
        } finally {
            lock.unlock();
        }
        Runnable listener = unsubscribe;
        if (listener != null) {
            listener.run();
        }
        return rest;
    }

    private void loop() {
        try {
            while (true) {
                List<Task> due = awaitDue();
                if (due == null) {
                    return;
                }
                for (Task task : due) {
                    try {
                        task.run();
                    } catch (RuntimeException e) {
                        LOG.log(Level.ERROR, "timer task of bus '" + busName + "' failed", e);
                    }
                }
            }
        } catch (InterruptedException e) {
            // the bus cancelled its threads: stop.
        }
    }

    /** Waits until a task is due and removes every due task; null once stopped. */
    private @Nullable List<Task> awaitDue() throws InterruptedException {
        lock.lockInterruptibly();
        try {
            while (!stopped) {
                Task head = tasks.peek();
                if (head == null) {
                    changed.await();
                    continue;
                }
                Instant now = clock.instant();
                if (!head.due.isAfter(now)) {
                    List<Task> due = new ArrayList<>();
                    while (!tasks.isEmpty() && !tasks.peek().due.isAfter(now)) {
                        due.add(tasks.poll());
                    }
                    return due;
                }
                changed.awaitNanos(nanosUntil(now, head.due));
            }
            return null;
        } finally {
            lock.unlock();
        }
    }

    private static long nanosUntil(Instant now, Instant due) {
        try {
            return Duration.between(now, due).toNanos();
        } catch (ArithmeticException e) {
            return Long.MAX_VALUE;
        }
    }
}
