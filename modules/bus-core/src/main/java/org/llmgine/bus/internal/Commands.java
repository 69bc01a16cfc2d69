package org.llmgine.bus.internal;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import org.jspecify.annotations.Nullable;
import org.llmgine.bus.CommandHandle;
import org.llmgine.bus.ExecuteOptions;
import org.llmgine.bus.message.Command;
import org.llmgine.bus.message.CommandCompleted;
import org.llmgine.bus.message.CommandResult;
import org.llmgine.bus.message.CommandStarted;
import org.llmgine.bus.message.FailureCause;
import org.llmgine.bus.message.Headers;
import org.llmgine.bus.message.Message;
import org.llmgine.bus.message.MessageId;
import org.llmgine.bus.middleware.CommandMiddleware;
import org.llmgine.bus.spi.MessageView;

/**
 * Command execution for one bus: admission, ids, handler lookup, the {@link CommandRun} on its own
 * virtual thread, the table of running commands (for cancel by id), and the accounting every
 * execution ends with.
 *
 * <p>Running commands are counted per bus and per session lane ({@link Lane#commandStarted}) so that
 * {@code awaitIdle}, the bus's close and a session's close can wait for them. A run is counted
 * before its admission is checked: close sets its state first and reads the counts after, so
 * either close waits for the run or the run sees the closing state and backs out with
 * {@code Unavailable}.
 */
final class Commands {

    private final DefaultMessageBus bus;
    private final CommandMiddleware[] middleware;
    private final Observers observers;
    private final HeaderPropagation propagation;
    private final LongAdder executed = new LongAdder();
    private final LongAdder succeeded = new LongAdder();
    private final LongAdder failed = new LongAdder();
    private final LongAdder cancelled = new LongAdder();
    private final LongAdder refused = new LongAdder();
    private final LongAdder running = new LongAdder();
    private final AtomicLong ids = new AtomicLong();
    private final ConcurrentHashMap<Long, CommandRun> runs = new ConcurrentHashMap<>();
    /** The bus scope's plans of the two command lifecycle events, kept while the bus table is unchanged. */
    private volatile @Nullable Plan startedPlan;
    private volatile @Nullable Plan completedPlan;

    Commands(DefaultMessageBus bus, CommandMiddleware[] middleware, Observers observers) {
        this.bus = bus;
        this.middleware = middleware;
        this.observers = observers;
        this.propagation = new HeaderPropagation(bus.config().headerPropagators(), bus.name());
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

    long succeeded() {
        return succeeded.sum();
    }

    long failed() {
        return failed.sum();
    }

    long cancelled() {
        return cancelled.sum();
    }

    long refused() {
        return refused.sum();
    }

    /** Cancels a running command by its sequence number. */
    boolean cancel(MessageId id, String reason) {
        if (id.kind() != MessageId.Kind.COMMAND || !id.origin().equals(bus.instanceId())) {
            return false;
        }
        CommandRun run = runs.get(id.sequence());
        return run != null && run.cancel(reason);
    }

    /** Cancels every running command of a lane (its session's close timed out); returns how many. */
    int cancelLane(Lane lane, String reason) {
        int count = 0;
        for (CommandRun run : runs.values()) {
            if (run.lane == lane && run.cancel(reason)) {
                count++;
            }
        }
        return count;
    }

    /**
     * Executes and waits, at most the options' timeout. The run's parent binding (what it works
     * for, in deadlock detection and slot holding) is {@code origin}, a context's, else the calling
     * thread's: the caller waits for it.
     */
    <R> CommandResult<R> execute(Lane lane, Command<R> command, ExecuteOptions options, @Nullable Binding origin,
            boolean fromWork) {
        Object begun = begin(lane, command, options, origin != null ? origin : Binding.current(), fromWork);
        if (begun instanceof CommandRun run) {
            return cast(run.await(options.timeout()));
        }
        return cast(((Known) begun).result());
    }

    /**
     * Starts without waiting; a timeout in the options stops the run with TimedOut when it elapses.
     * The run has no parent binding: nobody waits for it by starting it (a handler that awaits the
     * handle later is not blocked by the start), so it marks no lane as blocked and inherits no
     * held slot. Its admission as in-flight work still follows {@code fromWork}.
     */
    <R> CommandHandle<R> start(Lane lane, Command<R> command, ExecuteOptions options, @Nullable Binding origin,
            boolean fromWork) {
        Object begun = begin(lane, command, options, null, fromWork);
        if (begun instanceof CommandRun run) {
            Duration timeout = options.timeout();
            if (timeout != null) {
                run.timeOutAfter(timeout);
            }
            return new Handle<>(run.messageId(), run, run.future);
        }
        var known = (Known) begun;
        return new Handle<>(known.id(), null, ResultFuture.of(known.result()));
    }

    /** An execution that ended before it had a run: its id and result. */
    private record Known(MessageId id, CommandResult<Object> result) {
    }

    @SuppressWarnings("unchecked") // a run's value comes from the handler registered for the command's class
    private static <R> CommandResult<R> cast(CommandResult<?> result) {
        return (CommandResult<R>) result;
    }

    /**
     * Admits a command, gives it an id, looks up its handler and starts its run. Returns the run, or
     * a {@link Known} result when there is none to run: Unavailable (the scope does not run commands
     * now), NoHandler, or TimedOut for a zero timeout.
     */
    private Object begin(Lane lane, Command<?> command, ExecuteOptions given, @Nullable Binding parent,
            boolean fromWork) {
        ExecuteOptions options = propagation.active
                ? given.withHeaders(propagation.apply(command, lane.sessionId, given.headers())) : given;
        running.increment();
        if (lane.session != null) {
            lane.commandStarted();
        }
        CommandRun run = null;
        try {
            FailureCause unavailable = bus.admitCommand(lane, fromWork);
            long seq = ids.incrementAndGet();
            if (unavailable != null) {
                refused.increment();
                CommandResult<Object> result = CommandResult.failure(unavailable);
                var id = new MessageId(bus.instanceId(), MessageId.Kind.COMMAND, seq);
                if (observers.active) {
                    // Observers see a refused execution like any other (started, then completed with
                    // its failure); the counters keep it apart, in refused, not executed.
                    var view = new NotRun(command, id, lane, options, bus.config().clock().instant(), bus.name());
                    observers.commandStarted(view);
                    observers.commandCompleted(view, 0L, result);
                }
                endCount(lane);
                return new Known(id, result);
            }
            executed.increment();
            Class<?> type = command.getClass();
            CommandEntry entry = lane.session == null ? null : lane.session.table().commandHandler(type);
            if (entry == null) {
                entry = bus.table().commandHandler(type);
            }
            Duration timeout = options.timeout();
            if (entry == null || (timeout != null && timeout.isZero())) {
                var view = new NotRun(command, new MessageId(bus.instanceId(), MessageId.Kind.COMMAND, seq), lane,
                        options, bus.config().clock().instant(), bus.name());
                if (observers.active) {
                    observers.commandStarted(view);
                }
                CommandResult<Object> result = CommandResult.failure(entry == null
                        ? new FailureCause.NoHandler(type, lane.sessionId) : new FailureCause.TimedOut(Duration.ZERO));
                record(view, result, 0L);
                endCount(lane);
                return new Known(view.id(), result);
            }
            run = new CommandRun(bus, command, entry, lane, options, seq, bus.timestamps(),
                    parent, middleware);
            runs.put(seq, run);
            if (observers.active) {
                observers.commandStarted(run);
            }
            if (listened(lane, CommandStarted.class, true)) {
                bus.publisher().lifecycle(lane, new CommandStarted(command, run.messageId()), options.headers());
            }
            run.startOn(bus.threads());
            CommandRun started = run;
            run = null; // from here the run's thread ends the count
            return started;
        } catch (Throwable t) {
            if (run != null) {
                runs.remove(run.sequence());
            }
            endCount(lane);
            throw t;
        }
    }

    /**
     * Records a finished run: counters, observers, and CommandCompleted, in the command's scope with
     * its headers.
     */
    void finished(CommandRun run, CommandResult<?> result, long durationNanos) {
        record(run, result, durationNanos);
        if (listened(run.lane, CommandCompleted.class, false)) {
            bus.publisher().lifecycle(run.lane, new CommandCompleted(run.command(), run.messageId(), result,
                    Duration.ofNanos(durationNanos), run.attempts()), run.headers());
        }
    }

    private void record(MessageView view, CommandResult<?> result, long durationNanos) {
        if (result.isSuccess()) {
            succeeded.increment();
        } else {
            failed.increment();
            if (result instanceof CommandResult.Failure<?>(FailureCause.Cancelled unused)) {
                cancelled.increment();
            }
        }
        if (observers.active) {
            observers.commandCompleted(view, durationNanos, result);
        }
    }

    /** The last step of every run: it no longer counts as running, in its lane or on the bus. */
    void ended(CommandRun run) {
        runs.remove(run.sequence());
        endCount(run.lane);
    }

    private void endCount(Lane lane) {
        if (lane.session != null && lane.commandEnded()) {
            lane.signalIdle();
        }
        running.decrement();
        bus.quiescence().signal(); // it looks further only if someone waits
    }

    /** The view of an execution that never got a run (no handler, zero timeout). */
    private record NotRun(Message message, MessageId id, @Nullable String sessionId, int priority, Headers headers,
            Instant acceptedAt, String busName) implements MessageView {

        NotRun(Command<?> command, MessageId id, Lane lane, ExecuteOptions options, Instant at, String busName) {
            this(command, id, lane.sessionId, options.priority(), options.headers(), at, busName);
        }
    }
}
