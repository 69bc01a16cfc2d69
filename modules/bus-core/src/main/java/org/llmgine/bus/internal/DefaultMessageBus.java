package org.llmgine.bus.internal;

import java.lang.System.Logger.Level;
import java.time.Duration;
import java.time.InstantSource;
import java.util.List;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.ReentrantLock;
import org.jspecify.annotations.Nullable;
import org.llmgine.bus.BusClosedException;
import org.llmgine.bus.BusConfig;
import org.llmgine.bus.BusState;
import org.llmgine.bus.BusStats;
import org.llmgine.bus.CloseReport;
import org.llmgine.bus.MessageBus;
import org.llmgine.bus.OverflowStrategy;
import org.llmgine.bus.PendingApproval;
import org.llmgine.bus.Session;
import org.llmgine.bus.Ticker;
import org.llmgine.bus.WouldDeadlockException;
import org.llmgine.bus.filter.EventFilter;
import org.llmgine.bus.message.BackpressureChanged;
import org.llmgine.bus.message.Command;
import org.llmgine.bus.message.CommandResult;
import org.llmgine.bus.message.Event;
import org.llmgine.bus.message.Headers;
import org.llmgine.bus.message.SessionStarted;
import org.llmgine.bus.middleware.CommandMiddleware;
import org.llmgine.bus.middleware.EventMiddleware;
import org.llmgine.bus.spi.BusObserver;
import org.llmgine.bus.spi.ScheduledEventStore;

/**
 * The bus: owner of the admission bound, the worker pool, the lanes, the handler tables and the
 * counters; start, sessions, stats and close. Publishing is {@link Publisher}'s, command execution
 * {@link Commands}', running events {@link Workers}', {@link LaneRunner}'s and
 * {@link EventDispatch}'s, and the close procedure {@link Shutdown}'s.
 *
 * <p>Concurrency: {@code state} moves NEW -> RUNNING by compare-and-set in {@code start} (the
 * workers start only after the CAS succeeded), and to CLOSING and CLOSED in {@code close}, which
 * only one thread runs: {@code closeLock} serializes {@code start} and {@code close} calls so that
 * concurrent closers all return the first report; it is held for the whole close (which may
 * wait), and it is a ReentrantLock so a virtual thread waiting on it does not pin its carrier.
 * Counters are {@link LongAdder}s and atomics, written from many threads without a lock.
 */
public final class DefaultMessageBus extends AbstractScope implements MessageBus {

    private static final System.Logger LOG = System.getLogger("org.llmgine.bus");

    private final BusConfig config;
    private final Ticker ticker;
    private final Observers observers;
    private final Timestamps timestamps;
    private final Quiescence quiescence = new Quiescence();
    private final WaterMarks marks;
    private final Admission admission;
    private final @Nullable Evictions evictions;
    private final BusThreads threads;
    private final Workers workers;
    private final EventDispatch dispatch;
    private final Publisher publisher;
    private final Commands commands;
    private final Schedules schedules;
    private final Approvals approvals;
    private final Shutdown shutdown;
    private final AtomicInteger registeredHandlers = new AtomicInteger();
    private final ScopeTable table;
    private final Lane busLane;
    private final ConcurrentHashMap<Class<?>, Plan> busPlans = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, SessionImpl> sessions = new ConcurrentHashMap<>();
    private final LongAdder handlerFailures = new LongAdder();
    private final AtomicLong registrationSeq = new AtomicLong();

    private final AtomicReference<BusState> state = new AtomicReference<>(BusState.NEW);
    private volatile boolean cancelling;
    private final ReentrantLock closeLock = new ReentrantLock();
    /** Serializes writers of every session's handler table (see {@link ScopeTable}). */
    private final ReentrantLock sessionTablesLock = new ReentrantLock();
    private @Nullable CloseReport closeReport;

    /**
     * Creates a bus in state NEW. Use {@link MessageBus#builder()}.
     *
     * @param config the validated configuration
     * @param filters event filters, in order
     * @param commandMiddleware command middleware, outermost first
     * @param eventMiddleware event middleware, outermost first
     * @param observers observers
     * @param store where pending scheduled events go at close and come back from at start
     */
    public DefaultMessageBus(BusConfig config, List<EventFilter> filters, List<CommandMiddleware> commandMiddleware,
            List<EventMiddleware> eventMiddleware, List<BusObserver> observers, ScheduledEventStore store) {
        this(config, filters, commandMiddleware, eventMiddleware, observers, store, Thread::start);
    }

    /** As the public constructor, with the way bus threads are started (tests make starts fail). */
    DefaultMessageBus(BusConfig config, List<EventFilter> filters, List<CommandMiddleware> commandMiddleware,
            List<EventMiddleware> eventMiddleware, List<BusObserver> observers, ScheduledEventStore store,
            BusThreads.Starter starter) {
        this.config = Objects.requireNonNull(config, "config");
        InstantSource clock = config.clock();
        this.ticker = config.ticker();
        this.observers = new Observers(observers);
        this.timestamps = new Timestamps(clock, ticker);
        this.marks = new WaterMarks(config, quiescence);
        this.admission = new Admission(config, marks, quiescence, !observers.isEmpty());
        this.evictions = config.overflowStrategy() == OverflowStrategy.DROP_OLDEST ? new Evictions() : null;
        this.threads = new BusThreads(config.name(), starter);
        this.workers = new Workers(this, config.batchSize(), config.starvationLimit());
        this.dispatch = new EventDispatch(this, eventMiddleware.toArray(EventMiddleware[]::new), this.observers, ticker);
        this.publisher = new Publisher(this, config, this.observers, filters.toArray(EventFilter[]::new));
        this.commands = new Commands(this, commandMiddleware.toArray(CommandMiddleware[]::new), this.observers);
        var timer = new Timer(clock, config.name());
        this.schedules = new Schedules(this, timer, Objects.requireNonNull(store, "store"));
        this.approvals = new Approvals(this, timer, clock, this.observers);
        this.shutdown = new Shutdown(this);
        this.table = new ScopeTable(null, registeredHandlers, new ReentrantLock());
        this.busLane = new Lane(this, null);
        this.marks.announceTo(this::announce);
        this.observers.attach(this);
    }

    // ---------------------------------------------------------------- accessors used by the pipeline

    ReentrantLock sessionTablesLock() {
        return sessionTablesLock;
    }

    Admission admission() {
        return admission;
    }

    @Nullable Evictions evictions() {
        return evictions;
    }

    Timestamps timestamps() {
        return timestamps;
    }

    Workers workers() {
        return workers;
    }

    Quiescence quiescence() {
        return quiescence;
    }

    Shutdown shutdown() {
        return shutdown;
    }

    BusThreads threads() {
        return threads;
    }

    EventDispatch dispatch() {
        return dispatch;
    }

    Commands commands() {
        return commands;
    }

    Publisher publisher() {
        return publisher;
    }

    Schedules schedules() {
        return schedules;
    }

    Approvals approvals() {
        return approvals;
    }

    /** Returns the open session with this id, or null. */
    @Nullable SessionImpl openSessionNamed(String id) {
        return sessions.get(id);
    }

    Ticker ticker() {
        return ticker;
    }

    boolean isCancelling() {
        return cancelling;
    }

    long nextRegistrationSeq() {
        return registrationSeq.incrementAndGet();
    }

    void countHandlerFailure() {
        handlerFailures.increment();
    }

    @Override
    DefaultMessageBus bus() {
        return this;
    }

    @Override
    Lane lane() {
        return busLane;
    }

    @Override
    ScopeTable table() {
        return table;
    }

    /** The bus-scope handlers of an event class, cached per class and version. */
    Plan busPlan(Class<?> eventType) {
        long version = table.version();
        Plan plan = busPlans.get(eventType);
        if (plan != null && plan.busVersion == version) {
            return plan;
        }
        plan = Plan.build(eventType, table.eventHandlers(), version, List.of(), 0L);
        busPlans.put(eventType, plan);
        return plan;
    }

    /** Tells whether any handler in {@code lane}'s scope would receive an event of {@code type}. */
    boolean hasHandlers(Lane lane, Class<? extends Event> type) {
        return lane.plan(type).handlerCount > 0;
    }

    // ---------------------------------------------------------------- lifecycle

    @Override
    public String name() {
        return config.name();
    }

    @Override
    public BusConfig config() {
        return config;
    }

    @Override
    public BusState state() {
        return state.get();
    }

    /** Starts under {@code closeLock}, so a concurrent close runs entirely before or after it. */
    @Override
    public MessageBus start() {
        closeLock.lock();
        try {
            if (state.compareAndSet(BusState.NEW, BusState.RUNNING)) {
                workers.start();
                schedules.start(threads);
                LOG.log(Level.DEBUG, () -> "bus '" + name() + "' started");
                return this;
            }
        } finally {
            closeLock.unlock();
        }
        if (state.get() == BusState.RUNNING) {
            return this;
        }
        throw closedError("start");
    }

    /**
     * Announces a water-mark crossing: observers, then a BackpressureChanged event in the bus scope.
     * {@link WaterMarks} calls it for one crossing at a time, in the order they happened.
     */
    private void announce(WaterMarks.Transition transition) {
        LOG.log(Level.DEBUG, () -> "bus '" + name() + "' backpressure " + (transition.active() ? "on" : "off")
                + " at " + transition.queueSize() + " of " + admission.capacity());
        if (observers.active) {
            observers.backpressureChanged(transition.active(), transition.queueSize());
        }
        if (admission.mode() != Admission.CLOSED && hasHandlers(busLane, BackpressureChanged.class)) {
            publisher.lifecycle(busLane, new BackpressureChanged(transition.active(), transition.queueSize(),
                    admission.capacity()), Headers.empty());
        }
    }

    /**
     * Tells whether the bus admits new work now: always while NEW or RUNNING; while CLOSING only
     * from its own in-flight work (a context, or a bus thread calling the API).
     */
    private boolean admits(boolean fromWork) {
        BusState current = state.get();
        return current == BusState.NEW || current == BusState.RUNNING
                || (current == BusState.CLOSING && (fromWork || Binding.currentlyWithin(this)));
    }

    @Override
    void checkUsable(String action) {
        if (!admits(false)) {
            throw closedError(action);
        }
    }

    @Override
    RuntimeException closedError(String action) {
        return new BusClosedException("cannot " + action + ": bus '" + name() + "' is " + state.get());
    }

    /** Admits a command into {@code lane}, or throws why not; called after the run was counted. */
    void admitCommand(Lane lane, boolean fromWork) {
        if (cancelling || !admits(fromWork)) {
            throw closedError("execute");
        }
        SessionImpl session = lane.session;
        if (session != null && !session.admits(fromWork)) {
            throw session.closedError("execute");
        }
    }

    // ---------------------------------------------------------------- sessions

    @Override
    public Session openSession() {
        return openSession(UUID.randomUUID().toString());
    }

    @Override
    public Session openSession(String id) {
        SessionImpl.checkId(id);
        checkUsable("open a session");
        var session = new SessionImpl(this, id, registeredHandlers);
        SessionImpl existing = sessions.putIfAbsent(id, session);
        if (existing != null) {
            throw new IllegalStateException("a session with id '" + id + "' is already open on bus '" + name() + "'");
        }
        BusState now = state.get();
        if (now == BusState.CLOSING || now == BusState.CLOSED) {
            sessions.remove(id, session);
            session.closeWithBus();
            throw closedError("open a session");
        }
        if (hasHandlers(session.lane(), SessionStarted.class)) {
            publisher.lifecycle(session.lane(), new SessionStarted(id), Headers.empty());
        }
        return session;
    }

    void sessionClosed(SessionImpl session) {
        sessions.remove(session.id(), session);
    }

    // ---------------------------------------------------------------- work from contexts

    /** Execute through a handler's or command's context: in-flight work of {@code lane}. */
    <R> CommandResult<R> executeFromWork(Lane lane, Command<R> command, Headers headers) {
        Objects.requireNonNull(command, "command");
        checkWorkMayContinue(lane, "execute");
        return commands.execute(lane, command, headers, true, -1L);
    }

    <R> CommandResult<R> execute(Lane lane, Command<R> command, long timeoutNanos) {
        return commands.execute(lane, command, Headers.empty(), false, timeoutNanos);
    }

    <R> CompletableFuture<CommandResult<R>> executeAsync(Lane lane, Command<R> command) {
        return commands.executeAsync(lane, command);
    }

    /** Work of a closed bus or session (which outlived their close timeouts) may not start more. */
    void checkWorkMayContinue(Lane lane, String action) {
        if (state.get() == BusState.CLOSED) {
            throw closedError(action);
        }
        SessionImpl session = lane.session;
        if (session != null && session.isClosed()) {
            throw session.closedError(action);
        }
    }

    /** The handler table of a lane's scope. */
    ScopeTable scopeOf(Lane lane) {
        return lane.session == null ? table : lane.session.table();
    }

    // ---------------------------------------------------------------- approvals

    @Override
    public void approve(long commandId) {
        approvals.approve(commandId);
    }

    @Override
    public void deny(long commandId, String reason) {
        approvals.deny(commandId, reason);
    }

    @Override
    public List<PendingApproval> pendingApprovals() {
        return approvals.list();
    }

    // ---------------------------------------------------------------- idle, stats, close

    @Override
    public boolean awaitIdle(Duration timeout) throws InterruptedException {
        checkTimeout(timeout);
        if (Binding.currentlyWithin(this)) {
            throw new WouldDeadlockException("awaitIdle on bus '" + name() + "' from one of its own handlers or commands"
                    + " would wait for itself");
        }
        return awaitQuiet(timeout.toNanos(), false);
    }

    /**
     * Waits until no command runs and, unless {@code commandsOnly}, no accepted event is unfinished
     * and every water-mark crossing has been announced.
     */
    boolean awaitQuiet(long nanos, boolean commandsOnly) throws InterruptedException {
        return quiescence.await(nanos, () -> commands.runningCount() == 0
                && (commandsOnly || (admission.size() == 0 && marks.allAnnounced())));
    }

    @Override
    public BusStats stats() {
        // Read the terminal counts before the size and the size before the acceptances, and every
        // outcome before `published`, which is incremented first on publish: a snapshot never shows
        // more outcomes than publishes. While events flow it may lag by the events in flight.
        long lifecycleRejectedCount = publisher.lifecycleRejected();
        long delivered = admission.delivered();
        long cancelled = admission.cancelled();
        long returned = admission.returned();
        long dropped = admission.dropped();
        int size = admission.size();
        long accepted = admission.accepted();
        long rejected = admission.rejected();
        long filteredCount = publisher.filtered();
        long commandsFailed = commands.failed();
        return new BusStats(name(), state.get(), size, admission.capacity(), admission.largest(),
                marks.active(), marks.highWaterHits(), publisher.published(), accepted, rejected,
                lifecycleRejectedCount, filteredCount, delivered, cancelled, returned, dropped, publisher.throttled(),
                handlerFailures.sum(), commands.executed(), commandsFailed, schedules.pending(), schedules.fired(),
                schedules.rejected(), schedules.cancelledCount(), schedules.saved(), approvals.pendingCount(),
                approvals.approved(), approvals.denied(), approvals.expired(), approvals.cancelled(), sessions.size(),
                registeredHandlers.get());
    }

    @Override
    public void close() {
        close(config.closeTimeout());
    }

    @Override
    public CloseReport close(Duration timeout) {
        checkTimeout(timeout);
        if (Binding.currentlyWithin(this)) {
            throw new WouldDeadlockException("close of bus '" + name() + "' from one of its own handlers or commands"
                    + " would wait for itself; close it from outside the bus");
        }
        closeLock.lock();
        try {
            if (closeReport == null) {
                closeReport = shutdown.run(timeout, state.getAndSet(BusState.CLOSING));
            }
            return closeReport;
        } finally {
            closeLock.unlock();
        }
    }

    /** Cancels what still runs at close: workers stop before their next event, handlers are interrupted. */
    void cancel() {
        cancelling = true;
        threads.interruptAll();
        threads.cancelCommands();
    }

    /** The last step of close: sessions closed without draining, bus-scope handlers removed, CLOSED. */
    void closeScopes() {
        threads.endCommands();
        for (SessionImpl session : sessions.values()) {
            session.closeWithBus();
        }
        sessions.clear();
        table.closeAll();
        state.set(BusState.CLOSED);
    }

    @Override
    public String toString() {
        return "MessageBus[" + name() + ", " + state.get() + "]";
    }
}
