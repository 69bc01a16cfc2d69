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

    /** Starts the timer thread; tasks scheduled before run once they are due. Does nothing once stopped. */
    void start(BusThreads threads) {
        lock.lock();
        try {
            if (stopped) {
                return;
            }
            if (clock instanceof ObservableClock observable) {
                unsubscribe = observable.onChange(this::wake);
            }
            thread = threads.startTimer(this::loop);
        } finally {
            lock.unlock();
        }
    }

    /** Returns the timer thread, or null before start. */
    @Nullable Thread thread() {
        return thread;
    }

    /** Adds a task and wakes the timer if it is now the earliest; false (task not added) once stopped. */
    boolean schedule(Task task) {
        lock.lock();
        try {
            if (stopped) {
                return false;
            }
            task.seq = nextSeq++;
            tasks.add(task);
            if (tasks.peek() == task) {
                changed.signal();
            }
            return true;
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

    /** The number of tasks waiting for their due time. */
    int scheduledCount() {
        lock.lock();
        try {
            return tasks.size();
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

    /**
     * Stops the timer: no task runs or is added after this returns, and the tasks that never ran
     * are returned, in due order. Waits (up to {@code grace}) for a task the timer is running to
     * finish, so its effect (a published event) happens before the caller goes on.
     */
    List<Task> stop(Duration grace) {
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
        Thread running = thread;
        if (running != null && running != Thread.currentThread()) {
            try {
                running.join(grace);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        return rest;
    }

    private void loop() {
        try {
            while (true) {
                Task task = awaitDue();
                if (task == null) {
                    return;
                }
                try {
                    task.run();
                } catch (Throwable t) {
                    // a task that fails must not stop the timer: later events and expiries depend on it
                    LOG.log(Level.ERROR, "timer task of bus '" + busName + "' failed", t);
                }
            }
        } catch (InterruptedException e) {
            // the bus cancelled its threads: stop.
        }
    }

    /**
     * Waits until a task is due and removes it; null once stopped. One task per call, so a stop
     * between two due tasks finds the second still in the heap and hands it back.
     */
    private @Nullable Task awaitDue() throws InterruptedException {
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
                    return tasks.poll();
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
