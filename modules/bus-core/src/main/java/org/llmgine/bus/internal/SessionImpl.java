package org.llmgine.bus.internal;

import java.lang.System.Logger.Level;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;
import org.llmgine.bus.BusState;
import org.llmgine.bus.RejectionReason;
import org.llmgine.bus.ScheduledOnSessionClose;
import org.llmgine.bus.Session;
import org.llmgine.bus.SessionCloseReport;
import org.llmgine.bus.SessionClosedException;
import org.llmgine.bus.WouldDeadlockException;
import org.llmgine.bus.base.Checks;
import org.llmgine.bus.message.Headers;
import org.llmgine.bus.message.SessionEnded;

/**
 * A session scope: its own handler table and lane, and a plan cache that merges the bus scope's
 * handlers with its own.
 *
 * <p>States: OPEN, then CLOSING (the lane drains; only the session's own in-flight work may still
 * publish into it), then CLOSED. While OPEN it is first being started ({@link #started} not yet
 * complete: its id is taken but lookups skip it), then usable. The first close moves OPEN to
 * CLOSING by compare-and-set and runs the close; every other close waits for its report
 * ({@code closed}), except one made from the session's own work, which cannot wait for a close that
 * waits for it. Closing removes every
 * handler in one step of the {@link ScopeTable} and only then publishes {@link SessionEnded}.
 */
final class SessionImpl extends AbstractScope implements Session {

    private static final System.Logger LOG = System.getLogger("org.llmgine.bus");
    private static final int OPEN = 0;
    private static final int CLOSING = 1;
    private static final int CLOSED = 2;
    private static final VarHandle STATE;
    private static final VarHandle TOUCHED;

    static {
        try {
            STATE = MethodHandles.lookup().findVarHandle(SessionImpl.class, "state", int.class);
            TOUCHED = MethodHandles.lookup().findVarHandle(SessionImpl.class, "touched", boolean.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final DefaultMessageBus bus;
    private final String id;
    private final ScopeTable table;
    private final Lane lane;
    /** This session's plans by event class; made on first use (many sessions never need one). */
    private volatile @Nullable ConcurrentHashMap<Class<?>, Plan> plans;
    @SuppressWarnings("unused") // accessed through STATE
    private volatile int state = OPEN;
    /** Completed with the report when the close finished. */
    final CompletableFuture<SessionCloseReport> closed = new CompletableFuture<>();
    /**
     * Completed when the registry finished opening the session (SessionStarted published, or the open
     * failed because the bus closed). Until then the session is in the registry's map, so that its
     * id is taken, but lookups do not return it and get-or-open waits for it: nobody can use (or
     * close) a session before its SessionStarted is queued.
     */
    final CompletableFuture<Void> started = new CompletableFuture<>();
    /** The thread opening it, until it is started (a filter or observer it calls must not wait for it). */
    volatile @Nullable Thread opener = Thread.currentThread();
    /** Idle expiry: whether an execute or schedule happened since the last check (any thread sets it). */
    @SuppressWarnings("unused") // accessed through TOUCHED
    private volatile boolean touched;
    /** Idle expiry: the lane's offers once the session was started (SessionStarted included); -1 before. */
    private volatile int offersAtStart = -1;
    /** Idle expiry, timer thread only: the lane's offers at the last check, -1 before the first. */
    private int offersAtCheck = -1;
    /** Set by the close's drain when it cancelled running commands after its timeout (closing thread only). */
    private int commandsCancelled;
    /**
     * Idle expiry, timer thread only: the latest time the session is known to have been in use (its
     * open, or a check that found it used); it expires once the clock is an idle timeout past it.
     */
    private Instant lastUsed;
    /** Idle expiry, timer thread only: a check already decided to close it. */
    private boolean expiring;

    SessionImpl(DefaultMessageBus bus, String id, AtomicInteger registeredCounter) {
        this.bus = bus;
        this.id = id;
        this.table = new ScopeTable(id, registeredCounter, bus.sessionTablesLock());
        this.lane = new Lane(bus, this);
        this.lastUsed = bus.config().clock().instant();
    }

    @Override
    public String id() {
        return id;
    }

    @Override
    public boolean isOpen() {
        return state == OPEN;
    }

    /** Tells whether the registry finished opening it (see {@link #started}). */
    boolean isStarted() {
        return started.isDone();
    }

    /** The registry finished opening it: the baseline of idle expiry, then lookups may return it. */
    void markStarted() {
        offersAtStart = lane.offers();
        opener = null;
        started.complete(null);
    }

    @Override
    DefaultMessageBus bus() {
        return bus;
    }

    @Override
    Lane lane() {
        return lane;
    }

    @Override
    ScopeTable table() {
        return table;
    }

    /** The handlers of {@code eventType} for this session: the bus scope's and the session's. */
    Plan plan(Class<?> eventType) {
        long busVersion = bus.table().version();
        long sessionVersion = table.version();
        List<HandlerEntry> own = table.eventHandlers();
        if (own.isEmpty() && sessionVersion == 0) {
            return bus.busPlan(eventType); // no handler of its own, ever: the bus scope's plan is the session's
        }
        ConcurrentHashMap<Class<?>, Plan> cache = plans;
        if (cache == null) {
            cache = new ConcurrentHashMap<>(4);
            plans = cache; // a benign race: a second map made meanwhile only costs a rebuild
        }
        Plan plan = cache.get(eventType);
        if (plan != null && plan.busVersion == busVersion && plan.sessionVersion == sessionVersion) {
            return plan;
        }
        plan = Plan.build(eventType, bus.table().eventHandlers(), busVersion, own, sessionVersion);
        cache.put(eventType, plan);
        return plan;
    }

    @Override
    void checkUsable(String action) {
        bus.checkUsable(action);
        if (!admits(false)) {
            throw closedError(action);
        }
    }

    @Override
    @Nullable RejectionReason refusal() {
        RejectionReason busRefusal = bus.refusal();
        if (busRefusal != null) {
            return busRefusal;
        }
        return admits(false) ? null : RejectionReason.SESSION_CLOSED;
    }

    @Override
    void touch() {
        touched = true;
    }

    /**
     * Tells whether the session admits new work now: while OPEN always; while CLOSING only its own
     * in-flight work (a context, or a thread that handles its events or runs its commands).
     */
    boolean admits(boolean fromWork) {
        int current = state;
        return current == OPEN || (current == CLOSING && (fromWork || Binding.relationTo(lane) != 0));
    }

    boolean isClosed() {
        return state == CLOSED;
    }

    @Override
    RuntimeException closedError(String action) {
        return new SessionClosedException("cannot " + action + ": session '" + id + "' of bus '" + bus.name()
                + "' is " + (state == CLOSING ? "closing" : state == OPEN ? "open" : "closed"));
    }

    @Override
    public boolean awaitIdle(Duration timeout) throws InterruptedException {
        checkTimeout(timeout);
        if (Binding.currentlyInside(lane)) {
            throw new WouldDeadlockException("awaitIdle on session '" + id + "' from work of that session would wait"
                    + " for itself; publish and return instead");
        }
        WaitGraph.Wait wait = WaitGraph.enter(Binding.current(), lane, "awaitIdle of session '" + id + "'");
        try {
            return lane.awaitIdle(timeout.toNanos(), true);
        } finally {
            WaitGraph.exit(wait);
        }
    }

    /**
     * Idle expiry, from the bus's sweep on the timer thread: true (once) if the session is open and
     * has not been used for at least {@code timeout}; then the sweep closes it.
     *
     * <p>Used means: an event accepted into its lane, an execute or schedule, or work still
     * unfinished. A check that finds it used dates that use to the clock read just after it looked,
     * the latest the use can have happened: a sweep that runs late (the timer was busy, or the clock
     * jumped over several sweeps) therefore never closes a session used less than {@code timeout} ago.
     */
    boolean idleSinceLastCheck(InstantSource clock, Duration timeout) {
        if (expiring || !isOpen()) {
            return false;
        }
        if (offersAtCheck < 0) {
            int baseline = offersAtStart;
            if (baseline < 0) {
                return false; // still being opened
            }
            offersAtCheck = baseline;
        }
        int offers = lane.offers();
        boolean used = (boolean) TOUCHED.getAndSet(this, false) | offers != offersAtCheck | !lane.isQuiet();
        offersAtCheck = offers;
        Instant now = clock.instant(); // read after looking: a use seen above happened before it
        if (used) {
            lastUsed = now;
            return false;
        }
        if (now.isBefore(lastUsed.plus(timeout))) {
            return false;
        }
        expiring = true;
        return true;
    }

    @Override
    public void close() {
        close(bus.config().closeTimeout());
    }

    @Override
    public SessionCloseReport close(Duration timeout) {
        checkTimeout(timeout);
        return close(timeout, false);
    }

    /** Closes; {@code expired} when the bus's idle sweep closes it. */
    SessionCloseReport close(Duration timeout, boolean expired) {
        if (!STATE.compareAndSet(this, OPEN, CLOSING)) {
            if (closed.isDone() || Binding.relationTo(lane) != 0) {
                // Own work cannot wait for a close that waits for it: it gets the report if there is one.
                return closed.getNow(new SessionCloseReport(id, false, Duration.ZERO, 0, 0, 0, 0, expired));
            }
            try {
                return closed.get(CommandRun.saturatedNanos(timeout), java.util.concurrent.TimeUnit.NANOSECONDS);
            } catch (java.util.concurrent.TimeoutException e) {
                return new SessionCloseReport(id, false, timeout, 0, 0, 0, 0, expired); // the first close goes on
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return new SessionCloseReport(id, false, Duration.ZERO, 0, 0, 0, 0, expired);
            } catch (java.util.concurrent.ExecutionException e) {
                throw new IllegalStateException("a session's close report completed exceptionally", e);
            }
        }
        return closeClaimed(timeout, expired);
    }

    /**
     * Begins the close of an idle session on the sweep's thread: the OPEN to CLOSING step, so that
     * from this moment lookups no longer return it and a get-or-open waits for the close to finish
     * and opens a fresh session (the rest of the close runs on a thread of its own,
     * {@link #closeClaimed}).
     *
     * @return true if this call began the close
     */
    boolean claimExpiry() {
        return STATE.compareAndSet(this, OPEN, CLOSING);
    }

    /** The close after the OPEN to CLOSING step, by whoever made that step. */
    SessionCloseReport closeClaimed(Duration timeout, boolean expired) {
        long begin = bus.ticker().read();
        boolean drained = false;
        int approvalsCancelled = 0;
        int scheduledCancelled = 0;
        int scheduledKept = 0;
        try {
            bus.sessions().closing(this);
            lane.close();
            approvalsCancelled = bus.approvals().cancelLane(lane, "session '" + id
                    + "' closed while the command awaited approval");
            if (bus.config().scheduledOnSessionClose() == ScheduledOnSessionClose.CANCEL) {
                scheduledCancelled = bus.schedules().cancelSession(id);
            } else {
                scheduledKept = bus.schedules().list(id, false).size();
            }
            drained = drainBeforeClose(timeout);
        } finally {
            table.closeAll();
            state = CLOSED;
            var report = new SessionCloseReport(id, drained, Duration.ofNanos(bus.ticker().read() - begin),
                    approvalsCancelled, commandsCancelled, scheduledCancelled, scheduledKept, expired);
            try {
                // SessionEnded is queued before the id is free and before other closes get the report,
                // so whoever sees the close finished (a waiting close or get-or-open, the counters)
                // finds it queued, ahead of the SessionStarted of a session reopened under the id.
                if (bus.state() == BusState.RUNNING || bus.state() == BusState.NEW) {
                    if (bus.hasHandlers(lane, SessionEnded.class)) {
                        bus.publisher().lifecycle(lane, new SessionEnded(id), Headers.empty());
                    }
                }
            } finally {
                bus.sessions().closed(this, expired);
                closed.complete(report);
            }
        }
        return closed.join();
    }

    /**
     * Waits for the session's accepted events and running commands, unless the caller is part of
     * that work: its own event handler cannot wait for the events queued behind it, and its own
     * command cannot wait for itself.
     *
     * @return true if the session's work finished
     */
    private boolean drainBeforeClose(Duration timeout) {
        int relation = Binding.relationTo(lane);
        if (bus.state() != BusState.RUNNING) {
            return lane.isQuiet();
        }
        if ((relation & Binding.HANDLES_EVENTS) != 0) {
            return false;
        }
        boolean commands = (relation & Binding.RUNS_COMMAND) == 0;
        try {
            if (!lane.awaitIdle(CommandRun.saturatedNanos(timeout), commands)) {
                LOG.log(Level.WARNING, () -> "session '" + id + "' of bus '" + bus.name() + "' still had events or commands after "
                        + timeout + "; its commands still running are cancelled, its events will reach bus-scope"
                        + " handlers only");
                if (commands) {
                    commandsCancelled = bus.commands().cancelLane(lane, "session '" + id + "' closed after waiting "
                            + timeout + " for the command");
                }
                return false;
            }
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /**
     * Closes without draining or publishing SessionEnded; used when the bus closes (or an open that
     * lost the race with the bus's close). The report counts as kept the session's scheduled events
     * the bus left in its store.
     *
     * @return true if the session was open (a close already under way counts itself)
     */
    boolean closeWithBus() {
        if (!STATE.compareAndSet(this, OPEN, CLOSED)) {
            // A close of its own is under way: it finishes (the bus retired its lane, so its drain
            // ends) and completes its own report, with what it cancelled.
            table.closeAll();
            return false;
        }
        table.closeAll();
        closed.complete(new SessionCloseReport(id, false, Duration.ZERO, 0, 0, 0,
                bus.schedules().list(id, false).size() + bus.schedules().storedAtStop(id), false));
        return true;
    }

    @Override
    public String toString() {
        return "Session[" + id + " of bus " + bus.name() + ", " + (isOpen() ? "open" : "closed") + "]";
    }

    static void checkId(String id) {
        Objects.requireNonNull(id, "id");
        Checks.notBlank("session id", id);
    }
}
