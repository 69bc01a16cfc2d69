package org.llmgine.bus.internal;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import org.jspecify.annotations.Nullable;
import org.llmgine.bus.message.Command;
import org.llmgine.bus.message.CommandCompleted;
import org.llmgine.bus.message.CommandResult;
import org.llmgine.bus.message.CommandStarted;
import org.llmgine.bus.message.FailureCause;
import org.llmgine.bus.message.Headers;
import org.llmgine.bus.middleware.CommandMiddleware;

/**
 * Command execution for one bus: admission, handler lookup, the {@link CommandRun} on its own
 * virtual thread, and the accounting every run ends with.
 *
 * <p>Running commands are counted per bus and per session lane ({@link Lane#commandStarted}) so that
 * {@code awaitIdle}, the bus's close and a session's close can wait for them. A run is counted
 * before its admission is checked: close sets its state first and reads the counts after, so
 * either close waits for the run or the run sees the closing state and backs out.
 */
final class Commands {

    private final DefaultMessageBus bus;
    private final CommandMiddleware[] middleware;
    private final Observers observers;
    private final LongAdder executed = new LongAdder();
    private final LongAdder failed = new LongAdder();
    private final LongAdder cancelled = new LongAdder();
    private final LongAdder running = new LongAdder();
    private final AtomicLong ids = new AtomicLong();
    /** The bus scope's plans of the two command lifecycle events, kept while the bus table is unchanged. */
    private volatile @Nullable Plan startedPlan;
    private volatile @Nullable Plan completedPlan;

    Commands(DefaultMessageBus bus, CommandMiddleware[] middleware, Observers observers) {
        this.bus = bus;
        this.middleware = middleware;
        this.observers = observers;
    }

    /** Tells whether a command lifecycle event of {@code lane}'s scope has a handler. */
    private boolean listened(Lane lane, Class<?> type, boolean started) {
        if (lane.session != null) {
            return lane.plan(type).handlerCount > 0;
        }
        Plan plan = started ? startedPlan : completedPlan;
        if (plan == null || !plan.isCurrent(bus.table(), null)) {
            plan = bus.busPlan(type);
            if (started) {
                startedPlan = plan;
            } else {
                completedPlan = plan;
            }
        }
        return plan.handlerCount > 0;
    }

    /**
     * Commands running now on the bus; {@code awaitIdle} and close wait for zero. An adder, not an
     * atomic: many threads start and end runs, and a waiter only needs zero once every run that
     * started before it looked has ended (each start is counted before its run can end, so a sum
     * taken after a start sees it); an ending run wakes waiters, who sum again.
     */
    int runningCount() {
        return (int) running.sum();
    }

    long executed() {
        return executed.sum();
    }

    long failed() {
        return failed.sum();
    }

    long cancelled() {
        return cancelled.sum();
    }

    void countCancelled() {
        cancelled.increment();
    }

    /** Executes and waits at most {@code timeoutNanos} (forever if negative). */
    <R> CommandResult<R> execute(Lane lane, Command<R> command, Headers headers, boolean fromWork, long timeoutNanos) {
        CommandRun run = begin(lane, command, headers, fromWork);
        return cast(run == null ? noHandler(lane, command) : run.await(timeoutNanos));
    }

    <R> CompletableFuture<CommandResult<R>> executeAsync(Lane lane, Command<R> command) {
        CommandRun run = begin(lane, command, Headers.empty(), false);
        return run == null ? CompletableFuture.completedFuture(cast(noHandler(lane, command)))
                : run.future.thenApply(Commands::cast);
    }

    @SuppressWarnings("unchecked") // a run's value comes from the handler registered for the command's class
    private static <R> CommandResult<R> cast(CommandResult<?> result) {
        return (CommandResult<R>) result;
    }

    private static CommandResult<Object> noHandler(Lane lane, Command<?> command) {
        return CommandResult.failure(new FailureCause.NoHandler(command.getClass(), lane.sessionId));
    }

    /**
     * Admits a command, looks up its handler and starts its run; returns null (with the NoHandler
     * failure recorded) when no scope has a handler for the command's class.
     */
    private @Nullable CommandRun begin(Lane lane, Command<?> command, Headers headers, boolean fromWork) {
        running.increment();
        if (lane.session != null) {
            lane.commandStarted();
        }
        try {
            bus.admitCommand(lane, fromWork);
            executed.increment();
            Class<?> type = command.getClass();
            if (observers.active) {
                observers.commandStarted(type);
            }
            CommandEntry entry = lane.session == null ? null : lane.session.table().commandHandler(type);
            if (entry == null) {
                entry = bus.table().commandHandler(type);
            }
            if (entry != null) {
                var run = new CommandRun(bus, command, entry, lane, headers, ids.incrementAndGet(), bus.timestamps(),
                        Binding.current(), middleware);
                if (listened(lane, CommandStarted.class, true)) {
                    bus.publisher().lifecycle(lane, new CommandStarted(command, run.messageId()), headers);
                }
                run.startOn(bus.threads());
                return run; // from here the run's thread ends the count
            }
            finished(lane, command, -1L, headers, noHandler(lane, command), 0L);
        } catch (Throwable t) {
            ended(lane);
            throw t;
        }
        ended(lane);
        return null;
    }

    /**
     * Records a finished execution: counters, observers, and CommandCompleted, in the command's
     * scope with its headers.
     *
     * @param commandId the run's id, or -1 when no handler was found (no CommandCompleted then)
     */
    void finished(Lane lane, Command<?> command, long commandId, Headers headers, CommandResult<?> result,
            long durationNanos) {
        if (!result.isSuccess()) {
            failed.increment();
        }
        if (observers.active) {
            observers.commandCompleted(command.getClass(), durationNanos, result);
        }
        if (commandId >= 0 && listened(lane, CommandCompleted.class, false)) {
            bus.publisher().lifecycle(lane, new CommandCompleted(command, commandId, result, Duration.ofNanos(durationNanos)),
                    headers);
        }
    }

    /** The last step of every execution: it no longer counts as running, in its lane or on the bus. */
    void ended(Lane lane) {
        if (lane.session != null && lane.commandEnded()) {
            lane.signalIdle();
        }
        running.decrement();
        bus.quiescence().signal(); // it looks further only if someone waits
    }
}
