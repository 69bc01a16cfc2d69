package org.llmgine.bus.internal;

import java.lang.System.Logger.Level;
import java.time.Duration;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
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
import org.llmgine.bus.PendingApproval;
import org.llmgine.bus.ReturnedEvent;
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
 * The bus: owner of the queue, the dispatcher, the lanes, the handler tables and the counters;
 * the publish path and close. Command execution is delegated to {@link Commands}.
 *
 * <p>Concurrency: {@code state} moves NEW -> RUNNING by compare-and-set in {@code start} (the
 * dispatcher starts only after the CAS succeeded), and to CLOSING and CLOSED by plain writes in
 * {@code shutDown}, which only one thread runs: {@code closeLock} serializes {@code close} calls so
 * that concurrent closers all return the first report; it is held for the whole close (which may
 * wait), and it is a ReentrantLock so a virtual thread waiting on it does not pin its carrier.
 * Counters are {@link LongAdder}s, written from many threads without contention; the queue's own
 * counters live under its lock.
 */
public final class DefaultMessageBus extends AbstractScope implements MessageBus {

    private static final System.Logger LOG = System.getLogger("org.llmgine.bus");
    /** How long close waits for interrupted threads to stop after the drain deadline. */
    private static final Duration CANCEL_GRACE = Duration.ofSeconds(1);

    private final BusConfig config;
    private final InstantSource clock;
    private final Ticker ticker;
    private final Observers observers;
    private final EventQueue queue;
    private final BusThreads threads;
    private final EventDispatch dispatch;
    private final Commands commands;
    private final Schedules schedules;
    private final Approvals approvals;
    private final AtomicInteger registeredHandlers = new AtomicInteger();
    private final ScopeTable table;
    private final Lane busLane;
    private final ConcurrentHashMap<Class<?>, Plan> busPlans = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, SessionImpl> sessions = new ConcurrentHashMap<>();

    private final Publisher publisher;
    private final LongAdder handlerFailures = new LongAdder();
    private final AtomicLong registrationSeq = new AtomicLong();

    private final AtomicReference<BusState> state = new AtomicReference<>(BusState.NEW);
    private volatile boolean cancelling;
    private final ReentrantLock closeLock = new ReentrantLock();
    private @Nullable CloseReport closeReport;
    private final ConcurrentLinkedQueue<Delivery> handedBack = new ConcurrentLinkedQueue<>();

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
        this.config = Objects.requireNonNull(config, "config");
        this.clock = config.clock();
        this.ticker = config.ticker();
        this.observers = new Observers(observers);
        this.queue = new EventQueue(config);
        this.publisher = new Publisher(this, config, queue, this.observers, filters.toArray(EventFilter[]::new));
        this.threads = new BusThreads(config.name());
        this.dispatch = new EventDispatch(this, eventMiddleware.toArray(EventMiddleware[]::new), this.observers, ticker);
        this.commands = new Commands(this, commandMiddleware.toArray(CommandMiddleware[]::new), this.observers, clock);
        var timer = new Timer(clock, config.name());
        this.schedules = new Schedules(this, timer, Objects.requireNonNull(store, "store"));
        this.approvals = new Approvals(this, timer, clock, this.observers);
        this.table = new ScopeTable(null, registeredHandlers);
        this.busLane = new Lane(this, null, config.batchSize(), config.starvationLimit());
        this.observers.attach(this);
    }

    // ---------------------------------------------------------------- accessors used by the pipeline

    EventQueue queue() {
        return queue;
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
                threads.startDispatcher(this::dispatchLoop);
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
     * The dispatcher: moves batches of accepted deliveries to their lanes, and publishes the
     * water-mark crossings in the order they happened (it is the only thread that does, so the
     * BackpressureChanged events never arrive out of order).
     */
    private void dispatchLoop() {
        Delivery[] batch = new Delivery[config.batchSize()];
        var crossed = new ArrayList<EventQueue.Transition>();
        try {
            while (true) {
                int n = queue.take(batch, crossed);
                if (n < 0) {
                    return;
                }
                if (!crossed.isEmpty()) {
                    try {
                        announce(crossed);
                    } finally {
                        queue.announced(crossed.size());
                        crossed.clear();
                    }
                }
                int from = 0;
                for (int i = 1; i <= n; i++) {
                    if (i == n || batch[i].lane != batch[from].lane) {
                        batch[from].lane.addAll(batch, from, i);
                        from = i;
                    }
                }
                Arrays.fill(batch, 0, n, null);
            }
        } catch (InterruptedException e) {
            // close cancelled the dispatcher: stop.
        }
    }

    private void announce(List<EventQueue.Transition> crossed) {
        for (EventQueue.Transition transition : crossed) {
            LOG.log(Level.DEBUG, () -> "bus '" + name() + "' backpressure " + (transition.active() ? "on" : "off")
                    + " at " + transition.queueSize() + " of " + queue.capacity());
            if (observers.active) {
                observers.backpressureChanged(transition.active(), transition.queueSize());
            }
            if (!queue.isClosed() && hasHandlers(busLane, BackpressureChanged.class)) {
                publisher.lifecycle(busLane, new BackpressureChanged(transition.active(), transition.queueSize(),
                        queue.capacity()), Headers.empty());
            }
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
        var session = new SessionImpl(this, id, registeredHandlers, config.batchSize());
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
        return queue.awaitIdle(timeout.toNanos(), null, false, commands.running());
    }

    @Override
    public BusStats stats() {
        // Read every outcome counter before `published`, which is incremented first on publish, so a
        // snapshot never shows more outcomes than publishes, nor more lifecycle losses than losses.
        long lifecycleRejectedCount = publisher.lifecycleRejected();
        EventQueue.Counts counts = queue.counts();
        long filteredCount = publisher.filtered();
        long commandsFailed = commands.failed();
        return new BusStats(name(), state.get(), counts.size(), queue.capacity(), counts.largestSize(),
                counts.backpressure(), counts.highWaterHits(), publisher.published(), counts.accepted(), counts.rejected(),
                lifecycleRejectedCount, filteredCount, counts.delivered(), counts.cancelled(), counts.returned(),
                counts.dropped(), publisher.throttled(), handlerFailures.sum(), commands.executed(), commandsFailed,
                schedules.pending(), schedules.fired(), schedules.rejected(), schedules.cancelledCount(),
                schedules.saved(), approvals.pendingCount(), approvals.approved(), approvals.denied(),
                approvals.expired(), approvals.cancelled(), sessions.size(), registeredHandlers.get());
    }

    /**
     * Receives accepted deliveries that close will not run (their slots are already freed): their
     * waiters learn at once, and close lists them in its report. A lane stuck past the close grace
     * may hand back after the report was made; that is logged, since the report is final.
     */
    void handBack(List<Delivery> deliveries) {
        for (Delivery delivery : deliveries) {
            if (delivery.waiter != null) {
                delivery.waiter.complete(Waiter.Status.RETURNED, 0);
            }
            handedBack.add(delivery);
        }
        if (state.get() == BusState.CLOSED) {
            LOG.log(Level.WARNING, () -> "bus '" + name() + "' got " + deliveries.size() + " undelivered events back"
                    + " from a handler that ignored interruption, after its close report was made");
        }
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
                closeReport = shutDown(timeout);
            }
            return closeReport;
        } finally {
            closeLock.unlock();
        }
    }

    private CloseReport shutDown(Duration timeout) {
        long begin = ticker.read();
        BusState before = state.getAndSet(BusState.CLOSING);
        Schedules.Saved saved = schedules.stop(CANCEL_GRACE);
        approvals.cancelAll("bus '" + name() + "' closed while the command awaited approval");
        queue.admitInternalOnly();
        boolean drained = false;
        boolean interrupted = false;
        try {
            // A bus never started cannot deliver its queued events: wait for running commands only.
            drained = queue.awaitIdle(timeout.toNanos(), null, before != BusState.RUNNING, commands.running());
        } catch (InterruptedException e) {
            interrupted = true;
        }
        Duration waited = Duration.ofNanos(ticker.read() - begin);
        List<Delivery> neverDispatched = queue.closeAndDrain();
        handBack(neverDispatched);
        drained &= neverDispatched.isEmpty();
        if (!drained) {
            // interrupts the dispatcher too; in a clean close it exits by itself once it has
            // announced the last water-mark crossings
            cancelling = true;
            threads.interruptAll();
        }
        int stillRunning = threads.awaitAllStopped(CANCEL_GRACE.toNanos());
        var returned = new ArrayList<Delivery>();
        for (Delivery delivery = handedBack.poll(); delivery != null; delivery = handedBack.poll()) {
            returned.add(delivery);
        }
        for (SessionImpl session : sessions.values()) {
            session.closeWithBus();
        }
        sessions.clear();
        table.closeAll();
        state.set(BusState.CLOSED);
        returned.sort(Comparator.comparingLong(d -> d.id));
        var report = new CloseReport(drained, waited,
                returned.stream().map(d -> new ReturnedEvent(d.id, d.lane.sessionId, d.event, d.headers)).toList(),
                queue.counts().cancelled(), commands.cancelled(), stillRunning, saved.count(), saved.notSaved());
        if (report.clean()) {
            LOG.log(Level.DEBUG, () -> "bus '" + name() + "' closed cleanly in " + waited);
        } else {
            LOG.log(Level.WARNING, () -> "bus '" + name() + "' closed after " + waited + ": drained=" + report.drained()
                    + ", returned " + report.returned().size() + " undelivered events, cancelled "
                    + report.cancelledEvents() + " events and " + report.cancelledCommands() + " commands, "
                    + report.threadsStillRunning() + " threads still running, " + report.scheduledNotSaved().size()
                + " scheduled events not saved");
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        return report;
    }

    @Override
    public String toString() {
        return "MessageBus[" + name() + ", " + state.get() + "]";
    }
}
