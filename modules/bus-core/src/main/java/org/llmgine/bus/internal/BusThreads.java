package org.llmgine.bus.internal;

import java.lang.System.Logger.Level;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The one factory of the bus's threads, all virtual, with an uncaught-exception handler that logs
 * at ERROR. Names: {@code llmgine-bus-<bus>-dispatcher}, {@code llmgine-bus-<bus>-timer},
 * {@code llmgine-bus-<bus>-lane-<lane>},
 * {@code llmgine-bus-<bus>-<lane>-handler-<n>} and {@code llmgine-bus-<bus>-command-<n>}, where
 * {@code <lane>} is {@code bus-scope} or {@code session-<id>}.
 *
 * <p>It also tracks the long-lived threads (dispatcher, lane drainers, command runs) so close can
 * interrupt them and wait for them. Handler threads forked within an event are not tracked here:
 * the drainer that forked them joins them, and cancels them when it is interrupted.
 *
 * <p>Concurrency: {@code tracked} is a concurrent set; {@code lock} guards only the wait for it to
 * become empty ({@code empty} is signalled under the lock after each removal that empties it).
 * ReentrantLock, not an intrinsic monitor, so waiting virtual threads do not pin their carriers.
 */
final class BusThreads {

    private static final System.Logger LOG = System.getLogger("org.llmgine.bus");

    private final String prefix;
    private final AtomicLong handlerSeq = new AtomicLong();
    private final AtomicLong commandSeq = new AtomicLong();
    private final Set<Thread> tracked = ConcurrentHashMap.newKeySet();
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition empty = lock.newCondition();
    private final Thread.UncaughtExceptionHandler uncaught;

    BusThreads(String busName) {
        this.prefix = "llmgine-bus-" + busName + "-";
        this.uncaught = (thread, error) -> LOG.log(Level.ERROR, "uncaught in bus thread " + thread.getName(), error);
    }

    /** Starts the dispatcher thread (tracked). */
    Thread startDispatcher(Runnable body) {
        return startTracked(prefix + "dispatcher", body);
    }

    /** Starts the drainer of a lane (tracked). */
    Thread startDrainer(Lane lane, Runnable body) {
        return startTracked(prefix + "lane-" + lane.label, body);
    }

    /** Starts the timer thread (tracked). */
    Thread startTimer(Runnable body) {
        return startTracked(prefix + "timer", body);
    }

    /** Starts a command run (tracked). */
    Thread startCommand(Runnable body) {
        return startTracked(prefix + "command-" + commandSeq.incrementAndGet(), body);
    }

    /** Starts a handler thread of a lane (not tracked: its drainer joins it). */
    Thread startHandler(Lane lane, Runnable body) {
        return Thread.ofVirtual()
                .name(prefix + lane.label + "-handler-" + handlerSeq.incrementAndGet())
                .uncaughtExceptionHandler(uncaught)
                .start(body);
    }

    private Thread startTracked(String name, Runnable body) {
        Thread thread = Thread.ofVirtual().name(name).uncaughtExceptionHandler(uncaught).unstarted(() -> {
            try {
                body.run();
            } finally {
                untrack(Thread.currentThread());
            }
        });
        tracked.add(thread);
        thread.start();
        return thread;
    }

    private void untrack(Thread thread) {
        tracked.remove(thread);
        if (tracked.isEmpty()) {
            lock.lock();
            try {
                empty.signalAll();
            } finally {
                lock.unlock();
            }
        }
    }

    /** Interrupts every tracked thread. */
    void interruptAll() {
        for (Thread thread : tracked) {
            thread.interrupt();
        }
    }

    /** Waits until no tracked thread runs; returns how many still run when the time is up. */
    int awaitAllStopped(long nanos) {
        lock.lock();
        try {
            boolean interrupted = false;
            while (!tracked.isEmpty() && nanos > 0) {
                try {
                    nanos = empty.awaitNanos(nanos);
                } catch (InterruptedException e) {
                    interrupted = true;
                    break;
                }
            }
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
            return tracked.size();
        } finally {
            lock.unlock();
        }
    }
}
