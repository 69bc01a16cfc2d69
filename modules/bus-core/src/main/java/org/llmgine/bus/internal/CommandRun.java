package org.llmgine.bus.internal;

import java.lang.System.Logger.Level;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.jspecify.annotations.Nullable;
import org.llmgine.bus.PublishOutcome;
import org.llmgine.bus.handler.CommandContext;
import org.llmgine.bus.message.ApprovalCommand;
import org.llmgine.bus.message.Command;
import org.llmgine.bus.message.CommandResult;
import org.llmgine.bus.message.Event;
import org.llmgine.bus.message.FailureCause;
import org.llmgine.bus.message.Headers;
import org.llmgine.bus.middleware.CommandChain;
import org.llmgine.bus.middleware.CommandMiddleware;

/**
 * One command execution: the context its handler receives, and the body of the virtual thread
 * that runs the middleware chain and the handler.
 *
 * <p>Exactly one result wins: the thread's own (success, handler failure, cancellation by close)
 * or the caller's when it stops waiting (timeout, interrupt). {@code state} decides by
 * compare-and-set, and the winner completes {@code future}; the loser's result is dropped. The
 * handler thread is interrupted only after the caller's CAS succeeded. The thread publishes itself
 * before it reads the state, and the caller writes the state before it reads the thread, so a run
 * the caller abandoned either gets its interrupt or does not start its handler.
 */
final class CommandRun extends Binding implements CommandContext, Runnable {

    private static final System.Logger LOG = System.getLogger("org.llmgine.bus");
    private static final int RUNNING = 0;
    private static final int DONE = 1;
    private static final int ABANDONED = 2;
    private static final VarHandle STATE;

    static {
        try {
            STATE = MethodHandles.lookup().findVarHandle(CommandRun.class, "state", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final Command<?> command;
    private final CommandEntry entry;
    private final Headers headers;
    private final long id;
    /** The acceptance time from a non-system clock; null when {@code nanos} anchors it. */
    private final @Nullable Instant instant;
    private final long nanos;
    private final CommandMiddleware[] middleware;
    final CompletableFuture<CommandResult<Object>> future = new CompletableFuture<>();
    @SuppressWarnings("unused") // accessed through STATE
    private volatile int state = RUNNING;
    private volatile @Nullable Thread thread;

    CommandRun(DefaultMessageBus bus, Command<?> command, CommandEntry entry, Lane lane, Headers headers,
            long id, Timestamps timestamps, @Nullable Binding caller, CommandMiddleware[] middleware) {
        super(bus, lane, true, caller);
        this.command = command;
        this.entry = entry;
        this.headers = headers;
        this.id = id;
        this.nanos = timestamps.read();
        this.instant = timestamps.anchored() ? null : timestamps.now();
        this.middleware = middleware;
    }

    /**
     * Starts the run's thread. If no thread can be started, the run ends at once as
     * {@link FailureCause.Rejected}, with the same accounting as a run that happened.
     */
    void startOn(BusThreads threads) {
        try {
            threads.startCommand(this);
        } catch (Throwable t) {
            LOG.log(Level.ERROR, "bus '" + bus.name() + "' could not start a thread for command "
                    + command.getClass().getSimpleName() + " (id=" + id + ")", t);
            CommandResult<Object> result = CommandResult.failure(new FailureCause.Rejected("bus '" + bus.name()
                    + "' could not start a thread for command " + command.getClass().getName() + ": " + t));
            state = DONE;
            future.complete(result);
            try {
                bus.commands().finished(lane, command, id, headers, result, 0L);
            } catch (Throwable late) {
                // Never rethrown: the caller would end the count a second time (it ends below).
                LOG.log(Level.ERROR, "bus '" + bus.name() + "' failed recording command "
                        + command.getClass().getSimpleName() + " (id=" + id + ")", late);
            } finally {
                bus.commands().ended(lane);
            }
        }
    }

    /** The body of the run's thread; not for other callers. */
    @Override
    public void run() {
        thread = Thread.currentThread();
        Binding.enterCommand(this);
        long start = bus.ticker().read();
        CommandResult<Object> result;
        try {
            if (state != RUNNING) {
                // The caller gave up before this thread ran (it saw no thread to interrupt, this
                // thread then saw its state): do not start the handler.
                throw new java.util.concurrent.CancellationException("the caller stopped waiting before the run began");
            }
            CommandResult<Object> refused = command instanceof ApprovalCommand<?> approval
                    ? bus.approvals().await(id, approval, lane, headers) : null;
            if (refused != null) {
                result = refused;
            } else {
                Object value = middleware.length == 0 ? invokeHandler() : new Step(0).proceed();
                result = value != null ? CommandResult.success(value)
                        : CommandResult.failure(new FailureCause.HandlerThrew(new NullPointerException("command handler "
                                + entry.name + " returned null for " + command.getClass().getName()
                                + "; return a value of the command's result type")));
            }
        } catch (Throwable t) {
            if (bus.isCancelling()) {
                result = CommandResult.failure(new FailureCause.Cancelled("bus '" + bus.name()
                        + "' closed while command " + command.getClass().getSimpleName() + " (id=" + id + ") ran"));
                bus.commands().countCancelled();
            } else {
                if (t instanceof Error) {
                    LOG.log(Level.ERROR, "command handler " + entry.name + " of bus '" + bus.name() + "' threw an Error", t);
                }
                result = CommandResult.failure(new FailureCause.HandlerThrew(t));
            }
        }
        long duration = bus.ticker().read() - start;
        // If the caller gave up first (timeout, interrupt), its failure is the result; else ours.
        // The caller gets the result before the accounting, so a timeout is never overrun by it;
        // the run still counts as running until the accounting (and CommandCompleted) is done.
        CommandResult<Object> outcome = STATE.compareAndSet(this, RUNNING, DONE) ? result : future.join();
        future.complete(outcome);
        try {
            bus.commands().finished(lane, command, id, headers, outcome, duration);
        } finally {
            bus.commands().ended(lane);
        }
    }

    private Object invokeHandler() throws Exception {
        @SuppressWarnings("unchecked") // the entry was found by the command's exact class
        Command<Object> typed = (Command<Object>) command;
        return entry.handler.handle(typed, this);
    }

    /**
     * Waits for the result, at most {@code nanos} (forever if negative). On timeout or interrupt
     * the caller's failure wins if the handler has not finished, and the handler is interrupted.
     */
    CommandResult<Object> await(long nanos) {
        try {
            return nanos < 0 ? future.get() : future.get(nanos, TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            return abandon(new FailureCause.TimedOut(java.time.Duration.ofNanos(nanos)));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return abandon(new FailureCause.Cancelled("the thread waiting for command "
                    + command.getClass().getSimpleName() + " (id=" + id + ") was interrupted"));
        } catch (ExecutionException e) {
            throw new IllegalStateException("command future completed exceptionally, which the bus never does", e);
        }
    }

    private CommandResult<Object> abandon(FailureCause cause) {
        if (STATE.compareAndSet(this, RUNNING, ABANDONED)) {
            future.complete(CommandResult.failure(cause));
            Thread running = thread;
            if (running != null) {
                running.interrupt();
            }
        }
        return future.join();
    }

    @Override
    public long messageId() {
        return id;
    }

    @Override
    public @Nullable String sessionId() {
        return lane.sessionId;
    }

    @Override
    public Instant timestamp() {
        Instant known = instant;
        return known != null ? known : bus.timestamps().instantAt(nanos);
    }

    @Override
    public Headers headers() {
        return headers;
    }

    @Override
    public int attempt() {
        return 1;
    }

    @Override
    public PublishOutcome publish(Event event) {
        return bus.publisher().fromWork(lane, event, headers);
    }

    @Override
    public <R> CommandResult<R> execute(Command<R> next) {
        return bus.executeFromWork(lane, next, headers);
    }

    /** One step of the command middleware chain; a new step per level, so a middleware may proceed twice. */
    private final class Step implements CommandChain {
        private final int index;

        Step(int index) {
            this.index = index;
        }

        @Override
        public Object proceed() throws Exception {
            if (index == middleware.length) {
                return invokeHandler();
            }
            return middleware[index].handle(command, CommandRun.this, new Step(index + 1));
        }
    }
}
