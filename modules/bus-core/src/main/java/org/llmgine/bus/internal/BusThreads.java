package org.llmgine.bus.internal;

import java.lang.System.Logger.Level;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The one factory of the bus's threads, all virtual, with an uncaught-exception handler that logs
 * at ERROR. Names: {@code llmgine-bus-<bus>-dispatcher} (the worker pool's monitor),
 * {@code -worker-<n>}, {@code -timer}, {@code -command}, and {@code -<lane>-handler} for the
 * handler threads forked for a lane's events, where {@code <lane>} is {@code bus-scope} or
 * {@code session-<id>}. Names that are created per command or per batch are one string per bus or
 * lane, built once: a thread's id tells two of them apart.
 *
 * <p>It also tracks the long-lived threads (workers, the monitor, the timer, command runs) so
 * close can interrupt them and wait for them. Handler threads forked within a scope are not tracked
 * here: the worker that forked them joins them, and cancels them when it is interrupted.
 *
 * <p>Concurrency: {@code tracked} is a concurrent set; {@code lock} guards only the wait for it to
 * become empty ({@code empty} is signalled under the lock after each removal that empties it).
 * ReentrantLock, not an intrinsic monitor, so waiting virtual threads do not pin their carriers.
 */
final class BusThreads {

    private static final System.Logger LOG = System.getLogger("org.llmgine.bus");

    /** Starts a thread the bus created; tests replace it to make a start fail. */
    @FunctionalInterface
    interface Starter {
        /** Starts {@code thread}, or throws why it could not. */
        void start(Thread thread);
    }

    private final String prefix;
    private final String commandName;
    private final Starter starter;
    private final Set<Thread> tracked = ConcurrentHashMap.newKeySet();
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition empty = lock.newCondition();
    private final Thread.UncaughtExceptionHandler uncaught;

    BusThreads(String busName, Starter starter) {
        this.prefix = "llmgine-bus-" + busName + "-";
        this.commandName = prefix + "command";
        this.starter = starter;
        this.uncaught = (thread, error) -> LOG.log(Level.ERROR, "uncaught in bus thread " + thread.getName(), error);
    }

    /** Returns the full thread name for a suffix such as {@code session-42-handler}. */
    String nameOf(String suffix) {
        return prefix + suffix;
    }

    /** Starts the timer thread (tracked). */
    Thread startTimer(Runnable body) {
        return startTracked("timer", body);
    }

    /** Starts a command run (tracked). */
    Thread startCommand(Runnable body) {
        return startNamedTracked(commandName, body);
    }

    /** Starts a handler thread under a name from {@link #nameOf} (not tracked: its worker joins it). */
    Thread startHandler(String name, Runnable body) {
        Thread thread = Thread.ofVirtual().name(name).uncaughtExceptionHandler(uncaught).unstarted(body);
        starter.start(thread);
        return thread;
    }

    /** Starts a tracked long-lived thread named {@code llmgine-bus-<bus>-<suffix>}. */
    Thread startTracked(String suffix, Runnable body) {
        return startNamedTracked(prefix + suffix, body);
    }

    private Thread startNamedTracked(String name, Runnable body) {
        Thread thread = Thread.ofVirtual().name(name).uncaughtExceptionHandler(uncaught).unstarted(() -> {
            try {
                body.run();
            } finally {
                untrack(Thread.currentThread());
            }
        });
        tracked.add(thread);
        try {
            starter.start(thread);
        } catch (Throwable t) {
            untrack(thread);
            throw t;
        }
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
