package org.llmgine.bus.internal;

import java.lang.System.Logger.Level;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
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
 * <p>It also tracks the long-lived threads (workers, the monitor, the timer) so close can interrupt
 * them and wait for them. Command runs start on a thread-per-task executor whose JDK thread
 * container tracks them. Handler threads forked within a scope are not tracked here: the worker
 * that forked them joins them, and cancels them when it is interrupted.
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

        /**
         * Says whether a thread named {@code name} may start where the JDK starts it (command runs,
         * on an executor); throws to make the start fail.
         */
        default void admit(String name) {
        }
    }

    private final String prefix;
    private final ExecutorService commands;
    private final Starter starter;
    private final Set<Thread> tracked = ConcurrentHashMap.newKeySet();
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition empty = lock.newCondition();
    private final Thread.UncaughtExceptionHandler uncaught;
    /** Set once close waits for the tracked threads. */
    private volatile boolean waiting;

    BusThreads(String busName, Starter starter) {
        this.prefix = "llmgine-bus-" + busName + "-";
        this.starter = starter;
        this.uncaught = (thread, error) -> LOG.log(Level.ERROR, "uncaught in bus thread " + thread.getName(), error);
        this.commands = Executors.newThreadPerTaskExecutor(
                Thread.ofVirtual().name(prefix + "command").uncaughtExceptionHandler(uncaught).factory());
    }

    /** Returns the full thread name for a suffix such as {@code session-42-handler}. */
    String nameOf(String suffix) {
        return prefix + suffix;
    }

    /** Starts the timer thread (tracked). */
    Thread startTimer(Runnable body) {
        return startTracked("timer", body);
    }

    /**
     * Starts a command run on the bus's thread-per-task executor: the JDK's thread container of that
     * executor tracks the run (instead of the JDK's root container and a set of ours, two
     * concurrent-set updates per command), and {@link #cancelCommands()} interrupts what still runs.
     *
     * @throws RuntimeException if the run cannot start (the executor is shut down, no thread can be
     *     made); the caller ends the run as rejected
     */
    void startCommand(Runnable body) {
        starter.admit(prefix + "command");
        commands.execute(body);
    }

    /** Interrupts every command run still going (close, cancelling); no run starts after this. */
    void cancelCommands() {
        commands.shutdownNow();
    }

    /** Lets the command executor go once close is done (no run is left, or they were cancelled). */
    void endCommands() {
        commands.shutdown();
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
        if (waiting && tracked.isEmpty()) { // until close waits, an exit need not look for the last one
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
            waiting = true;
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
