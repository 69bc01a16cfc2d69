package org.llmgine.bus.internal;

import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import org.jspecify.annotations.Nullable;
import org.llmgine.bus.BusState;
import org.llmgine.bus.Session;
import org.llmgine.bus.SessionClosedException;
import org.llmgine.bus.WouldDeadlockException;
import org.llmgine.bus.message.Headers;
import org.llmgine.bus.message.SessionEnded;

/**
 * A session scope: its own handler table and lane, and a plan cache that merges the bus scope's
 * handlers with its own.
 *
 * <p>States: OPEN, then CLOSING (the lane drains; only the session's own in-flight work may still
 * publish into it), then CLOSED. The transitions are compare-and-sets; closing removes every handler
 * in one step of the {@link ScopeTable} and only then publishes {@link SessionEnded}.
 */
final class SessionImpl extends AbstractScope implements Session {

    private static final System.Logger LOG = System.getLogger("org.llmgine.bus");
    private static final int OPEN = 0;
    private static final int CLOSING = 1;
    private static final int CLOSED = 2;
    private static final VarHandle STATE;

    static {
        try {
            STATE = MethodHandles.lookup().findVarHandle(SessionImpl.class, "state", int.class);
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

    SessionImpl(DefaultMessageBus bus, String id, AtomicInteger registeredCounter) {
        this.bus = bus;
        this.id = id;
        this.table = new ScopeTable(id, registeredCounter, bus.sessionTablesLock());
        this.lane = new Lane(bus, this);
    }

    @Override
    public String id() {
        return id;
    }

    @Override
    public boolean isOpen() {
        return state == OPEN;
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
                + "' is " + (state == CLOSING ? "closing" : "closed"));
    }

    @Override
    public boolean awaitIdle(Duration timeout) throws InterruptedException {
        checkTimeout(timeout);
        if (Binding.currentlyInside(lane)) {
            throw new WouldDeadlockException("awaitIdle on session '" + id + "' from work of that session would wait"
                    + " for itself; publish and return instead");
        }
        return lane.awaitIdle(timeout.toNanos(), false);
    }

    @Override
    public void close() {
        if (!STATE.compareAndSet(this, OPEN, CLOSING)) {
            return;
        }
        lane.close();
        bus.approvals().cancelLane(lane, "session '" + id + "' closed while the command awaited approval");
        try {
            drainBeforeClose();
        } finally {
            table.closeAll();
            state = CLOSED;
            bus.sessionClosed(this);
            if (bus.state() == BusState.RUNNING || bus.state() == BusState.NEW) {
                if (bus.hasHandlers(lane, SessionEnded.class)) {
                    bus.publisher().lifecycle(lane, new SessionEnded(id), Headers.empty());
                }
            }
        }
    }

    /**
     * Waits for the session's accepted events and running commands, unless the caller is part of
     * that work: its own event handler cannot wait for the events queued behind it, and its own
     * command cannot wait for itself.
     */
    private void drainBeforeClose() {
        int relation = Binding.relationTo(lane);
        if (bus.state() != BusState.RUNNING || (relation & Binding.HANDLES_EVENTS) != 0) {
            return;
        }
        boolean commands = (relation & Binding.RUNS_COMMAND) == 0;
        Duration timeout = bus.config().closeTimeout();
        try {
            if (!lane.awaitIdle(timeout.toNanos(), commands)) {
                LOG.log(Level.WARNING, () -> "session '" + id + "' of bus '" + bus.name() + "' still had events or commands after "
                        + timeout + "; they will reach bus-scope handlers only");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Closes without draining or publishing SessionEnded; used when the bus closes. */
    void closeWithBus() {
        state = CLOSED;
        table.closeAll();
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
