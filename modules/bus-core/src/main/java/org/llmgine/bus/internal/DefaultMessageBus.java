package org.llmgine.bus.internal;

import java.lang.System.Logger.Level;
import java.time.Duration;
import java.time.InstantSource;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
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
import org.llmgine.bus.RejectionReason;
import org.llmgine.bus.ScheduledEvent;
import org.llmgine.bus.Session;
import org.llmgine.bus.Ticker;
import org.llmgine.bus.WouldDeadlockException;
import org.llmgine.bus.filter.EventFilter;
import org.llmgine.bus.message.BackpressureChanged;
import org.llmgine.bus.message.Event;
import org.llmgine.bus.message.FailureCause;
import org.llmgine.bus.message.Headers;
import org.llmgine.bus.message.MessageId;
import org.llmgine.bus.middleware.CommandMiddleware;
import org.llmgine.bus.middleware.EventMiddleware;
import org.llmgine.bus.spi.LifecyclePublisher;

/**
 * The bus: owner of the admission bound, the worker pool, the lanes, the handler tables and the
 * counters; its lifecycle (start, close) and the API that is neither publishing nor commands.
 * Publishing is {@link Publisher}'s, command execution {@link Commands}', sessions
 * {@link SessionRegistry}'s, scheduled events {@link Schedules}', running events {@link Workers}',
 * {@link LaneRunner}'s and {@link EventDispatch}'s, statistics {@link StatsSnapshot}'s, and the close
 * procedure {@link Shutdown}'s.
 *
 * <p>Concurrency: the state machine (NEW, RUNNING, CLOSING, CLOSED, one closer) is
 * {@link BusLifecycle}'s; the workers start only after its NEW to RUNNING step succeeded.
 * Counters are {@link LongAdder}s and atomics, written from many threads without a lock.
 */
public final class DefaultMessageBus extends AbstractScope implements MessageBus {

    private static final System.Logger LOG = System.getLogger("org.llmgine.bus");

    private final BusConfig config;
    private final UUID instanceId;
    private final Ticker ticker;
    private final FailureLog failureLog;
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
    private final Unstarted unstarted;
    private final AtomicInteger registeredHandlers = new AtomicInteger();
    private final ScopeTable table;
    private final Lane busLane;
    private final ConcurrentHashMap<Class<?>, Plan> busPlans = new ConcurrentHashMap<>();
    private final SessionRegistry sessions;
    private final LongAdder handlerFailures = new LongAdder();
    private final AtomicLong registrationSeq = new AtomicLong();
    private final LifecyclePublisher lifecycle;
    /** Lanes of session ids with no open session, for scheduled and module events (see {@link #laneOf}). */
    private final ConcurrentHashMap<String, Lane> detached = new ConcurrentHashMap<>();
    private static final int DETACHED_KEPT = 64;

    private final BusLifecycle runState = new BusLifecycle();
    /** Serializes writers of every session's handler table (see {@link ScopeTable}). */
    private final ReentrantLock sessionTablesLock = new ReentrantLock();

    /** Creates a bus in state NEW; {@link DefaultBusFactory} calls it for {@code MessageBus.builder()}. */
    DefaultMessageBus(BusConfig config) {
        this(config, Thread::start);
    }

    /** As the other constructor, with the way bus threads are started (tests make starts fail). */
    DefaultMessageBus(BusConfig config, BusThreads.Starter starter) {
        this.config = Objects.requireNonNull(config, "config");
        InstantSource clock = config.clock();
        this.instanceId = MessageId.newOrigin(clock.millis());
        this.ticker = config.ticker();
        this.failureLog = new FailureLog(System.getLogger("org.llmgine.bus"), ticker, config.failureLogInterval(),
                config.name());
        this.observers = new Observers(config.observers(), this);
        this.timestamps = new Timestamps(clock, ticker);
        this.marks = new WaterMarks(config, quiescence);
        this.admission = new Admission(config, marks, quiescence, observers.queueSizes);
        this.evictions = config.overflowStrategy() == OverflowStrategy.DROP_OLDEST ? new Evictions() : null;
        this.threads = new BusThreads(config.name(), starter);
        this.workers = new Workers(this, config.batchSize(), config.starvationLimit());
        this.dispatch = new EventDispatch(this, config.eventMiddleware().toArray(EventMiddleware[]::new), observers,
                ticker);
        this.publisher = new Publisher(this, config, observers, config.filters().toArray(EventFilter[]::new));
        this.commands = new Commands(this, config.commandMiddleware().toArray(CommandMiddleware[]::new), observers);
        var timer = new Timer(clock, config.name());
        this.schedules = new Schedules(this, timer, config.scheduledEventStore());
        this.approvals = new Approvals(this, timer, clock, observers);
        this.shutdown = new Shutdown(this);
        this.unstarted = new Unstarted(this);
        this.table = new ScopeTable(null, registeredHandlers, new ReentrantLock());
        this.busLane = new Lane(this, null);
        this.sessions = new SessionRegistry(this, registeredHandlers);
        this.lifecycle = new ModuleLifecycle(this);
        this.marks.announceTo(this::announce);
        this.observers.attach();
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

    SessionRegistry sessions() {
        return sessions;
    }

    Unstarted unstarted() {
        return unstarted;
    }

    WaterMarks marks() {
        return marks;
    }

    /** Returns the open session with this id, or null. */
    @Nullable SessionImpl openSessionNamed(String id) {
        return sessions.openNamed(id);
    }

    FailureLog failureLog() {
        return failureLog;
    }

    Ticker ticker() {
        return ticker;
    }

    boolean isCancelling() {
        return runState.isCancelling();
    }

    long nextRegistrationSeq() {
        return registrationSeq.incrementAndGet();
    }

    void countHandlerFailure() {
        handlerFailures.increment();
    }

    long handlerFailures() {
        return handlerFailures.sum();
    }

    int registeredHandlers() {
        return registeredHandlers.get();
    }

    /** Tells whether the bus has observers. */
    boolean observed() {
        return observers.active;
    }

    /**
     * Tells observers an event was accepted; called by its lane before the event can be taken.
     * The size is exact only when an observer wants sizes (the admission reads it exactly then).
     */
    void observeAccepted(Delivery delivery, int queueSize) {
        observers.accepted(delivery, observers.queueSizes ? queueSize : -1);
    }

    /** Tells observers about an event close handed back. */
    void observeReturned(Delivery delivery) {
        if (observers.active) {
            observers.returned(delivery);
        }
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
    public UUID instanceId() {
        return instanceId;
    }

    @Override
    public BusConfig config() {
        return config;
    }

    @Override
    public BusState state() {
        return runState.state();
    }

    /** Starts under the lifecycle's close lock, so a concurrent close runs entirely before or after it. */
    @Override
    public MessageBus start() {
        boolean running = runState.start(() -> {
            publisher.started();
            workers.start();
            schedules.start(threads);
            sessions.startExpiry(schedules.timer());
            LOG.log(Level.DEBUG, () -> "bus '" + name() + "' started");
        });
        if (!running) {
            throw closedError("start");
        }
        return this;
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
        return runState.admits(fromWork, !fromWork && Binding.currentlyWithin(this));
    }

    @Override
    void checkUsable(String action) {
        if (!admits(false)) {
            throw closedError(action);
        }
    }

    @Override
    @Nullable RejectionReason refusal() {
        return admits(false) ? null : RejectionReason.BUS_CLOSED;
    }

    @Override
    RuntimeException closedError(String action) {
        return new BusClosedException("cannot " + action + ": bus '" + name() + "' is " + runState.state());
    }

    /**
     * Admits a command into {@code lane}; called after the run was counted.
     *
     * @return null if admitted, else why not (the scope does not run commands now)
     */
    @Nullable FailureCause admitCommand(Lane lane, boolean fromWork) {
        BusState now = runState.state();
        if (now == BusState.NEW) {
            return new FailureCause.Unavailable("bus '" + name() + "'", "NEW (not started; call start() first)");
        }
        if (runState.isCancelling() || !admits(fromWork)) {
            return new FailureCause.Unavailable("bus '" + name() + "'", now.name());
        }
        SessionImpl session = lane.session;
        if (session != null && !session.admits(fromWork)) {
            return new FailureCause.Unavailable("session '" + session.id() + "' of bus '" + name() + "'",
                    session.isClosed() ? "CLOSED" : "CLOSING");
        }
        return null;
    }

    // ---------------------------------------------------------------- sessions

    @Override
    public Session openSession() {
        return openSession(UUID.randomUUID().toString());
    }

    @Override
    public Session openSession(String id) {
        return sessions.open(id);
    }

    @Override
    public Optional<Session> session(String id) {
        return sessions.find(id);
    }

    @Override
    public Session getOrOpenSession(String id) {
        return sessions.getOrOpen(id);
    }

    @Override
    public List<String> sessionIds() {
        return sessions.openIds();
    }

    /**
     * Why work of a closed bus or session (which outlived their close timeouts) may not publish or
     * execute more, or null if it may.
     */
    @Nullable RejectionReason workRefusal(Lane lane) {
        if (runState.state() == BusState.CLOSED) {
            return RejectionReason.BUS_CLOSED;
        }
        SessionImpl session = lane.session;
        return session != null && session.isClosed() ? RejectionReason.SESSION_CLOSED : null;
    }

    /** Work of a closed bus or session (which outlived their close timeouts) may not start more. */
    void checkWorkMayContinue(Lane lane, String action) {
        if (runState.state() == BusState.CLOSED) {
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

    /**
     * The lane for a message of {@code sessionId} that is not published through a session (a due
     * scheduled event, a module's lifecycle event): the bus lane for a null id, the lane of the
     * session open under the id, else a detached lane for the id (only bus-scope handlers see its
     * events). Detached lanes are kept one per id while they have work, so a closed session's
     * events keep their order; idle ones are dropped once more than {@value #DETACHED_KEPT} exist.
     */
    Lane laneOf(@Nullable String sessionId) {
        if (sessionId == null) {
            return busLane;
        }
        SessionImpl open = sessions.openNamed(sessionId);
        if (open != null) {
            return open.lane();
        }
        if (detached.size() > DETACHED_KEPT) {
            detached.values().removeIf(Lane::isIdleDetached);
        }
        return detached.computeIfAbsent(sessionId, id -> Lane.detached(this, id));
    }

    // ---------------------------------------------------------------- approvals, commands, schedules

    @Override
    public void approve(MessageId commandId) {
        approvals.approve(commandId);
    }

    @Override
    public void deny(MessageId commandId, String reason) {
        approvals.deny(commandId, reason);
    }

    @Override
    public List<PendingApproval> pendingApprovals() {
        return approvals.list();
    }

    @Override
    public boolean cancelCommand(MessageId commandId, String reason) {
        Objects.requireNonNull(commandId, "commandId");
        org.llmgine.bus.base.Checks.notBlank("reason", reason);
        return commands.cancel(commandId, reason);
    }

    @Override
    public Optional<ScheduledEvent> scheduledEvent(MessageId id) {
        return schedules.find(Objects.requireNonNull(id, "id"));
    }

    @Override
    public List<ScheduledEvent> scheduledEvents(String sessionId) {
        return schedules.list(Objects.requireNonNull(sessionId, "sessionId"), false);
    }

    @Override
    public int cancelScheduledEvents(String sessionId) {
        return schedules.cancelSession(Objects.requireNonNull(sessionId, "sessionId"));
    }

    @Override
    public LifecyclePublisher lifecycle() {
        return lifecycle;
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
     * and every water-mark crossing has been recorded and announced (an empty queue always settles
     * backpressure off, so it must be off: see {@link WaterMarks#quiet}).
     */
    boolean awaitQuiet(long nanos, boolean commandsOnly) throws InterruptedException {
        return quiescence.await(nanos, () -> commands.runningCount() == 0
                && (commandsOnly || (admission.size() == 0 && marks.quiet())));
    }

    @Override
    public BusStats stats() {
        return StatsSnapshot.of(this);
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
        return runState.close(before -> {
            CloseReport report = shutdown.run(timeout, before);
            failureLog.flush();
            if (observers.active) {
                observers.closed(report);
            }
            return report;
        });
    }

    /** Cancels what still runs at close: workers stop before their next event, handlers are interrupted. */
    void cancel() {
        runState.cancel();
        threads.interruptAll();
        threads.cancelCommands();
    }

    /** The last step of close: sessions closed without draining, bus-scope handlers removed, CLOSED. */
    void closeScopes() {
        threads.endCommands();
        sessions.closeAll();
        table.closeAll();
        runState.closed();
    }

    @Override
    public String toString() {
        return "MessageBus[" + name() + ", " + runState.state() + ", " + instanceId + "]";
    }
}
