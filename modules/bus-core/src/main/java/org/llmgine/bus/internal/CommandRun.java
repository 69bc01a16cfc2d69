package org.llmgine.bus.internal;

import java.lang.System.Logger.Level;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.jspecify.annotations.Nullable;
import org.llmgine.bus.CommandHandle;
import org.llmgine.bus.ExecuteOptions;
import org.llmgine.bus.PublishOptions;
import org.llmgine.bus.PublishOutcome;
import org.llmgine.bus.ScheduledEvent;
import org.llmgine.bus.handler.CommandContext;
import org.llmgine.bus.message.ApprovalCommand;
import org.llmgine.bus.message.Command;
import org.llmgine.bus.message.CommandResult;
import org.llmgine.bus.message.Event;
import org.llmgine.bus.message.FailureCause;
import org.llmgine.bus.message.Headers;
import org.llmgine.bus.message.Message;
import org.llmgine.bus.message.MessageId;
import org.llmgine.bus.middleware.CommandChain;
import org.llmgine.bus.middleware.CommandMiddleware;
import org.llmgine.bus.spi.MessageView;

/**
 * One command execution: the context its handler receives, the view observers see, and the body
 * of the virtual thread that runs the middleware chain and the handler.
 *
 * <p>Exactly one result wins: the thread's own (success, failure, cancellation by close) or the
 * one of whoever stops it first from outside (the caller's timeout or interrupt, a cancel through
 * the handle or by id). {@code state} decides by compare-and-set, and the winner completes
 * {@code future}; the loser's result is dropped. The handler thread is interrupted only after the
 * outside CAS succeeded. The thread publishes itself before it reads the state, and the canceller
 * writes the state before it reads the thread, so a run stopped from outside either gets its
 * interrupt or does not start its handler.
 */
final class CommandRun extends Binding implements CommandContext, MessageView, Runnable {

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
    private final int priority;
    private final long id;
    /** The acceptance time from a non-system clock; null when {@code nanos} anchors it. */
    private final @Nullable Instant instant;
    private final long nanos;
    private final @Nullable Instant deadline;
    private final CommandMiddleware[] middleware;
    final ResultFuture future = new ResultFuture(this);
    @SuppressWarnings("unused") // accessed through STATE
    private volatile int state = RUNNING;
    private volatile @Nullable Thread thread;
    /** Set once the middleware chain and handler returned: the context refuses further work. */
    private volatile boolean handlerReturned;
    /** Handler calls made (a middleware may proceed more than once) and the highest attempt reported. */
    private volatile int invocations;
    private volatile int reportedAttempt;

    CommandRun(DefaultMessageBus bus, Command<?> command, CommandEntry entry, Lane lane, ExecuteOptions options,
            long id, Timestamps timestamps, @Nullable Binding caller, CommandMiddleware[] middleware) {
        super(bus, lane, true, caller);
        this.command = command;
        this.entry = entry;
        this.headers = options.headers();
        this.priority = options.priority();
        this.id = id;
        this.nanos = timestamps.read();
        this.instant = timestamps.anchored() ? null : timestamps.now();
        Duration timeout = options.timeout();
        this.deadline = timeout == null ? null : plusSaturating(timestamp(), timeout);
        this.middleware = middleware;
    }

    private static Instant plusSaturating(Instant at, Duration timeout) {
        try {
            return at.plus(timeout);
        } catch (ArithmeticException | java.time.DateTimeException e) {
            return Instant.MAX;
        }
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
                    + command.getClass().getSimpleName() + " (id=" + messageId() + ")", t);
            CommandResult<Object> result = CommandResult.failure(new FailureCause.Rejected("bus '" + bus.name()
                    + "' could not start a thread for command " + command.getClass().getName() + ": " + t));
            state = DONE;
            handlerReturned = true;
            future.complete(result);
            try {
                bus.commands().finished(this, result, 0L);
            } catch (Throwable late) {
                // Never rethrown: the caller would end the count a second time (it ends below).
                LOG.log(Level.ERROR, "bus '" + bus.name() + "' failed recording command "
                        + command.getClass().getSimpleName() + " (id=" + messageId() + ")", late);
            } finally {
                bus.commands().ended(this);
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
                // Stopped from outside before this thread ran (it saw no thread to interrupt, this
                // thread then saw its state): do not start the handler.
                throw new java.util.concurrent.CancellationException("the run was stopped before it began");
            }
            CommandResult<Object> refused = command instanceof ApprovalCommand<?> approval
                    ? bus.approvals().await(this, approval) : null;
            result = refused != null ? refused : middleware.length == 0 ? invokeHandler() : new Step(0).proceed();
            if (result == null) {
                result = CommandResult.failure(new FailureCause.HandlerThrew(new NullPointerException(
                        "a command middleware returned null for " + command.getClass().getName()
                                + "; return chain.proceed() or a CommandResult")));
            }
        } catch (Throwable t) {
            if (bus.isCancelling()) {
                result = CommandResult.failure(new FailureCause.Cancelled("bus '" + bus.name()
                        + "' closed while command " + command.getClass().getSimpleName() + " (id=" + messageId()
                        + ") ran"));
            } else {
                if (t instanceof Error) {
                    LOG.log(Level.ERROR, "command handler " + entry.name + " of bus '" + bus.name() + "' threw an Error", t);
                }
                result = CommandResult.failure(new FailureCause.HandlerThrew(t));
            }
        } finally {
            handlerReturned = true;
        }
        long duration = bus.ticker().read() - start;
        // If someone stopped it first (timeout, interrupt, cancel), that failure is the result; else
        // ours. The caller gets the result before the accounting, so a timeout is never overrun by
        // it; the run still counts as running until the accounting (and CommandCompleted) is done.
        CommandResult<Object> outcome = STATE.compareAndSet(this, RUNNING, DONE) ? result : future.join();
        future.complete(outcome);
        try {
            bus.commands().finished(this, outcome, duration);
        } finally {
            bus.commands().ended(this);
        }
    }

    private CommandResult<Object> invokeHandler() throws Exception {
        invocations++;
        @SuppressWarnings("unchecked") // the entry was found by the command's exact class
        Command<Object> typed = (Command<Object>) command;
        Object value = entry.handler.handle(typed, this);
        if (value != null) {
            return CommandResult.success(value);
        }
        if (ResultTypes.isVoid(command.getClass())) {
            @SuppressWarnings("unchecked") // a Command<Void>'s success
            CommandResult<Object> done = (CommandResult<Object>) (CommandResult<?>) CommandResult.done();
            return done;
        }
        return CommandResult.failure(new FailureCause.HandlerThrew(new NullPointerException("command handler "
                + entry.name + " returned null for " + command.getClass().getName()
                + "; return a value of the command's result type (declare Command<Void> for a command without one)")));
    }

    /**
     * Waits for the result, at most {@code nanos} (forever if negative). On timeout or interrupt
     * the caller's failure wins if the handler has not finished, and the handler is interrupted.
     */
    CommandResult<Object> await(long nanos) {
        try {
            return nanos < 0 ? future.get() : future.get(nanos, TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            return timedOut(Duration.ofNanos(nanos));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return abandon(new FailureCause.Cancelled("the thread waiting for command "
                    + command.getClass().getSimpleName() + " (id=" + messageId() + ") was interrupted"));
        } catch (ExecutionException e) {
            throw new IllegalStateException("command future completed exceptionally, which the bus never does", e);
        }
    }

    CommandResult<Object> timedOut(Duration timeout) {
        return abandon(new FailureCause.TimedOut(timeout));
    }

    /** Cancels the run from outside; true if this call decided its result. */
    boolean cancel(String reason) {
        return stop(new FailureCause.Cancelled(reason));
    }

    private CommandResult<Object> abandon(FailureCause cause) {
        stop(cause);
        return future.join();
    }

    private boolean stop(FailureCause cause) {
        if (STATE.compareAndSet(this, RUNNING, ABANDONED)) {
            future.complete(CommandResult.failure(cause));
            Thread running = thread;
            if (running != null) {
                running.interrupt();
            }
            return true;
        }
        return false;
    }

    /** Records an attempt a retry decorator reported through {@code withAttempt}. */
    void attemptReported(int attempt) {
        if (attempt > reportedAttempt) {
            reportedAttempt = attempt;
        }
    }

    /** How many times the handler was called, or the highest attempt reported, whichever is more. */
    int attempts() {
        return Math.max(invocations, reportedAttempt);
    }

    long sequence() {
        return id;
    }

    Command<?> command() {
        return command;
    }

    // ---------------------------------------------------------------- the context and the view

    @Override
    public MessageId messageId() {
        return new MessageId(bus.instanceId(), MessageId.Kind.COMMAND, id);
    }

    @Override
    public MessageId id() {
        return messageId();
    }

    @Override
    public Message message() {
        return command;
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
    public Instant acceptedAt() {
        return timestamp();
    }

    @Override
    public String busName() {
        return bus.name();
    }

    @Override
    public Headers headers() {
        return headers;
    }

    @Override
    public int priority() {
        return priority;
    }

    @Override
    public int attempt() {
        return 1;
    }

    @Override
    public CommandContext withAttempt(int attempt) {
        return new AttemptContexts.OfCommand(this, attempt);
    }

    @Override
    public boolean isCancelled() {
        return state == ABANDONED || bus.isCancelling();
    }

    @Override
    public Optional<Instant> deadline() {
        return Optional.ofNullable(deadline);
    }

    @Override
    public PublishOutcome publish(Event event) {
        return publish(event, PublishOptions.defaults());
    }

    @Override
    public PublishOutcome publish(Event event, PublishOptions options) {
        ContextWork.checkLive(handlerReturned, this, "publish");
        return ContextWork.publish(lane, this, headers, event, options);
    }

    @Override
    public ScheduledEvent schedule(Event event, Duration delay) {
        ContextWork.checkLive(handlerReturned, this, "schedule");
        return ContextWork.schedule(lane, headers, event, delay);
    }

    @Override
    public <R> CommandResult<R> execute(Command<R> next) {
        return execute(next, ExecuteOptions.defaults());
    }

    @Override
    public <R> CommandResult<R> execute(Command<R> next, Duration timeout) {
        return execute(next, ExecuteOptions.defaults().withTimeout(timeout));
    }

    @Override
    public <R> CommandResult<R> execute(Command<R> next, ExecuteOptions options) {
        ContextWork.checkLive(handlerReturned, this, "execute");
        return ContextWork.execute(lane, this, headers, next, options);
    }

    @Override
    public <R> CommandHandle<R> executeAsync(Command<R> next) {
        ContextWork.checkLive(handlerReturned, this, "executeAsync");
        return ContextWork.executeAsync(lane, this, headers, next);
    }

    @Override
    public String toString() {
        return "command " + command.getClass().getSimpleName() + " (id=" + messageId() + ", session=" + lane.sessionId
                + ")";
    }

    /** One step of the command middleware chain; a new step per level, so a middleware may proceed twice. */
    private final class Step implements CommandChain<Object> {
        private final int index;

        Step(int index) {
            this.index = index;
        }

        @Override
        public CommandResult<Object> proceed() throws Exception {
            if (index == middleware.length) {
                return invokeHandler();
            }
            @SuppressWarnings("unchecked") // the chain is typed by the command's own result type
            Command<Object> typed = (Command<Object>) command;
            CommandResult<Object> result = middleware[index].handle(typed, CommandRun.this, new Step(index + 1));
            if (result == null) {
                return CommandResult.failure(new FailureCause.HandlerThrew(new NullPointerException("command middleware "
                        + middleware[index].getClass().getName() + " returned null for " + command.getClass().getName()
                        + "; return chain.proceed() or a CommandResult")));
            }
            return result;
        }
    }
}
