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
 * the handle or by id). Among those who stop it, {@code stopped} decides by compare-and-set; against
 * the run's thread, {@code state} does, and the winner completes {@code future}; the loser's result
 * is dropped. A stopper sets {@code stopped} before {@code state}, so a thread that lost finds the
 * winning failure there. The handler thread is interrupted only after the outside CAS succeeded.
 * The thread publishes itself before it reads the state, and the canceller writes the state before
 * it reads the thread, so a run stopped from outside either gets its interrupt or does not start its
 * handler.
 *
 * <p>While the run awaits approval, a stopper leaves completing {@code future} to the run's thread,
 * which first withdraws the request (the interrupt wakes it at once): whoever sees the Cancelled
 * result no longer finds the approval pending, and cannot approve it any more. The stopper writes
 * the state before it reads {@code awaitingApproval}; the thread sets that flag before it first
 * reads the state (so a stopper that saw it clear finds no request registered, ever) and clears it
 * before it reads the state again after the approval, so either the stopper completes the future
 * itself or the thread, seeing the state, skips the handler and completes it at once.
 */
final class CommandRun extends Binding implements CommandContext, MessageView, Runnable {

    private static final System.Logger LOG = System.getLogger("org.llmgine.bus");
    private static final int RUNNING = 0;
    private static final int DONE = 1;
    private static final int ABANDONED = 2;
    private static final VarHandle STATE;
    private static final VarHandle STOPPED;
    private static final VarHandle INVOCATIONS;
    private static final VarHandle REPORTED_ATTEMPT;

    static {
        try {
            var lookup = MethodHandles.lookup();
            STATE = lookup.findVarHandle(CommandRun.class, "state", int.class);
            STOPPED = lookup.findVarHandle(CommandRun.class, "stopped", CommandResult.class);
            INVOCATIONS = lookup.findVarHandle(CommandRun.class, "invocations", int.class);
            REPORTED_ATTEMPT = lookup.findVarHandle(CommandRun.class, "reportedAttempt", int.class);
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
    /** The failure of whoever stopped the run from outside, set before {@code state} becomes ABANDONED. */
    @SuppressWarnings("unused") // accessed through STOPPED
    private volatile @Nullable CommandResult<Object> stopped;
    /** Set while the run's thread awaits an approval decision: a stopper then lets it complete the future. */
    private volatile boolean awaitingApproval;
    private volatile @Nullable Thread thread;
    /** Who awaits this run's handle now (a run started with executeAsync has no parent of its own). */
    private volatile @Nullable Binding awaitedBy;
    /** Set once the middleware chain and handler returned: the context refuses further work. */
    private volatile boolean handlerReturned;
    /**
     * Handler calls made (a middleware may proceed more than once, also from threads of its own) and
     * the highest attempt reported; updated atomically through {@code INVOCATIONS} and
     * {@code REPORTED_ATTEMPT}, since a retry or hedging decorator may call from several threads.
     */
    @SuppressWarnings("unused") // accessed through INVOCATIONS
    private volatile int invocations;
    @SuppressWarnings("unused") // accessed through REPORTED_ATTEMPT
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
            handlerReturned = true;
            // A cancel (by id, once the run is in the table) may have decided first: it is the result.
            CommandResult<Object> outcome = STATE.compareAndSet(this, RUNNING, DONE) ? result : stoppedResult();
            future.settle(outcome);
            try {
                bus.commands().finished(this, outcome, 0L);
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
        if (command instanceof ApprovalCommand<?>) {
            awaitingApproval = true; // before the state is read: see the class comment
        }
        try {
            if (state != RUNNING) {
                // Stopped from outside before this thread ran (it saw no thread to interrupt, this
                // thread then saw its state): do not start the handler.
                throw new java.util.concurrent.CancellationException("the run was stopped before it began");
            }
            CommandResult<Object> refused = null;
            if (command instanceof ApprovalCommand<?> approval) {
                try {
                    refused = bus.approvals().await(this, approval);
                } finally {
                    awaitingApproval = false;
                }
            }
            if (refused == null && state != RUNNING) {
                // Approved, but cancelled or timed out meanwhile (an approve racing a cancel lets the
                // approval wait return normally): a cancelled command's handler must not begin.
                throw new java.util.concurrent.CancellationException("the run was stopped while it awaited approval");
            }
            result = refused != null ? refused : middleware.length == 0 ? invokeHandler(this) : new Step(0, this).proceed();
            if (result == null) {
                result = CommandResult.failure(new FailureCause.HandlerThrew(new NullPointerException(
                        "a command middleware returned null for " + command.getClass().getName()
                                + "; return chain.proceed() or a CommandResult")));
            }
        } catch (Throwable t) {
            if (bus.isCancelling() || (t instanceof InterruptedException
                    && bus.state() != org.llmgine.bus.BusState.RUNNING)) {
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
            awaitingApproval = false;
            handlerReturned = true;
        }
        long duration = bus.ticker().read() - start;
        // If someone stopped it first (timeout, interrupt, cancel), that failure is the result; else
        // ours. The caller gets the result before the accounting, so a timeout is never overrun by
        // it; the run still counts as running until the accounting (and CommandCompleted) is done.
        CommandResult<Object> outcome = STATE.compareAndSet(this, RUNNING, DONE) ? result : stoppedResult();
        future.settle(outcome);
        try {
            bus.commands().finished(this, outcome, duration);
        } finally {
            bus.commands().ended(this);
        }
    }

    private CommandResult<Object> invokeHandler(CommandContext context) throws Exception {
        INVOCATIONS.getAndAdd(this, 1);
        @SuppressWarnings("unchecked") // the entry was found by the command's exact class
        Command<Object> typed = (Command<Object>) command;
        Object value = entry.handler.handle(typed, context);
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
     * Waits for the result, at most {@code timeout} (forever if null). On timeout or interrupt the
     * caller's failure wins if the handler has not finished, and the handler is interrupted. A
     * timeout too long for a {@code long} of nanoseconds (about 292 years) waits forever.
     */
    CommandResult<Object> await(@Nullable Duration timeout) {
        long wait = timeout == null ? Long.MAX_VALUE : saturatedNanos(timeout);
        try {
            return wait == Long.MAX_VALUE ? future.get() : future.get(wait, TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            return timedOut(java.util.Objects.requireNonNull(timeout));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return abandon(new FailureCause.Cancelled("the thread waiting for command "
                    + command.getClass().getSimpleName() + " (id=" + messageId() + ") was interrupted"));
        } catch (ExecutionException e) {
            throw new IllegalStateException("command future completed exceptionally, which the bus never does", e);
        }
    }

    /** The duration in nanoseconds, or {@link Long#MAX_VALUE} when it does not fit. */
    static long saturatedNanos(Duration duration) {
        try {
            return duration.toNanos();
        } catch (ArithmeticException e) {
            return Long.MAX_VALUE;
        }
    }

    /**
     * Stops the run with {@code TimedOut(timeout)} once {@code timeout} elapsed, unless it finished
     * first (the {@code executeAsync} deadline, {@code orTimeout} of its future). The delayed task
     * holds the run only weakly: a finished run is not kept alive until a long timeout elapses (a
     * run still going is held by its thread and the bus's table of running commands).
     */
    void timeOutAfter(Duration timeout) {
        long delay = saturatedNanos(timeout);
        if (future.isDone() || delay == Long.MAX_VALUE) {
            return;
        }
        var self = new java.lang.ref.WeakReference<>(this);
        java.util.concurrent.CompletableFuture.delayedExecutor(delay, TimeUnit.NANOSECONDS).execute(() -> {
            CommandRun run = self.get();
            if (run != null) {
                run.stop(new FailureCause.TimedOut(timeout)); // not timedOut: no pool thread waits for the run
            }
        });
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
        CommandResult<Object> failure = CommandResult.failure(cause);
        if (state != RUNNING || !STOPPED.compareAndSet(this, null, failure)
                || !STATE.compareAndSet(this, RUNNING, ABANDONED)) {
            return false; // finished, or another stopper came first
        }
        if (!awaitingApproval) {
            future.settle(failure);
        }
        Thread running = thread;
        if (running != null) {
            running.interrupt();
        }
        return true;
    }

    /** The failure that stopped the run, for its thread after it lost the state's compare-and-set. */
    @SuppressWarnings("unchecked") // STOPPED holds a CommandResult<Object>
    private CommandResult<Object> stoppedResult() {
        return java.util.Objects.requireNonNull((CommandResult<Object>) STOPPED.getVolatile(this),
                "a run is ABANDONED only after its stopper set the failure");
    }

    @Override
    @Nullable Binding parent() {
        Binding caller = super.parent();
        return caller != null ? caller : awaitedBy;
    }

    /**
     * Marks the current thread's work as waiting for this run's result (its handle is awaited), so
     * deadlock detection and slot holding see the run as that work's; returns what to restore.
     */
    @Nullable Binding awaitedFrom(@Nullable Binding waiter) {
        Binding before = awaitedBy;
        if (super.parent() == null && waiter != null && waiter != this) {
            awaitedBy = waiter;
        }
        return before;
    }

    /** Ends an {@link #awaitedFrom} wait. */
    void awaitEnded(@Nullable Binding before) {
        awaitedBy = before;
    }

    /** Records an attempt a retry decorator reported through {@code withAttempt}. */
    void attemptReported(int attempt) {
        int known = (int) REPORTED_ATTEMPT.getVolatile(this);
        while (attempt > known && !REPORTED_ATTEMPT.compareAndSet(this, known, attempt)) {
            known = (int) REPORTED_ATTEMPT.getVolatile(this);
        }
    }

    /** How many times the handler was called, or the highest attempt reported, whichever is more. */
    int attempts() {
        return Math.max((int) INVOCATIONS.getVolatile(this), (int) REPORTED_ATTEMPT.getVolatile(this));
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
    public void sleep(Duration duration) throws InterruptedException {
        ContextWork.sleep(bus, duration);
    }

    @Override
    public PublishOutcome publish(Event event, PublishOptions options) {
        ContextWork.checkLive(handlerReturned, this, "publish");
        return ContextWork.publish(lane, this, headers, event, options);
    }

    @Override
    public ScheduledEvent schedule(Event event, Duration delay, PublishOptions options) {
        ContextWork.checkLive(handlerReturned, this, "schedule");
        return ContextWork.schedule(lane, headers, event, delay, options);
    }

    @Override
    public <R> CommandResult<R> execute(Command<R> next, ExecuteOptions options) {
        ContextWork.checkLive(handlerReturned, this, "execute");
        return ContextWork.execute(lane, this, headers, next, options);
    }

    @Override
    public <R> CommandHandle<R> executeAsync(Command<R> next, ExecuteOptions options) {
        ContextWork.checkLive(handlerReturned, this, "executeAsync");
        return ContextWork.executeAsync(lane, this, headers, next, options);
    }

    @Override
    public String toString() {
        return "command " + command.getClass().getSimpleName() + " (id=" + messageId() + ", session=" + lane.sessionId
                + ")";
    }

    /** One step of the command middleware chain; a new step per level, so a middleware may proceed twice. */
    private final class Step implements CommandChain<Object> {
        private final int index;
        private final CommandContext context;

        Step(int index, CommandContext context) {
            this.index = index;
            this.context = context;
        }

        @Override
        public CommandResult<Object> proceed() throws Exception {
            return proceed(context);
        }

        @Override
        public CommandResult<Object> proceed(CommandContext next) throws Exception {
            java.util.Objects.requireNonNull(next, "context");
            if (index == middleware.length) {
                return invokeHandler(next);
            }
            @SuppressWarnings("unchecked") // the chain is typed by the command's own result type
            Command<Object> typed = (Command<Object>) command;
            CommandResult<Object> result = middleware[index].handle(typed, next, new Step(index + 1, next));
            if (result == null) {
                return CommandResult.failure(new FailureCause.HandlerThrew(new NullPointerException("command middleware "
                        + middleware[index].getClass().getName() + " returned null for " + command.getClass().getName()
                        + "; return chain.proceed() or a CommandResult")));
            }
            return result;
        }
    }
}
