package org.llmgine.bus.internal;

import java.lang.System.Logger.Level;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import org.jspecify.annotations.Nullable;
import org.llmgine.bus.BusState;
import org.llmgine.bus.Session;
import org.llmgine.bus.message.Headers;
import org.llmgine.bus.message.SessionStarted;

/**
 * The sessions of one bus by id: opening (unique ids), lookup, get-or-open, the bookkeeping of
 * closes, and the idle-expiry sweep.
 *
 * <p>A session stays in the map from its open until its close finished, so an id is never open
 * twice and a get-or-open that finds a closing session waits for that close and then opens a new
 * one. Lookup returns open sessions only, and only once their open finished (SessionStarted is
 * queued): a get-or-open that finds a session still being opened waits for that, so no caller can
 * use or close a session before its start, and SessionEnded never precedes SessionStarted. The map
 * is concurrent; {@code putIfAbsent} decides which of two concurrent opens wins.
 */
final class SessionRegistry {

    private static final System.Logger LOG = System.getLogger("org.llmgine.bus");

    private final DefaultMessageBus bus;
    private final AtomicInteger registeredHandlers;
    private final ConcurrentHashMap<String, SessionImpl> sessions = new ConcurrentHashMap<>();
    private final AtomicInteger active = new AtomicInteger();
    private final LongAdder opened = new LongAdder();
    private final LongAdder closedCount = new LongAdder();
    private final LongAdder expired = new LongAdder();

    SessionRegistry(DefaultMessageBus bus, AtomicInteger registeredHandlers) {
        this.bus = bus;
        this.registeredHandlers = registeredHandlers;
    }

    Session open(String id) {
        SessionImpl.checkId(id);
        bus.checkUsable("open a session");
        var session = new SessionImpl(bus, id, registeredHandlers);
        SessionImpl existing = sessions.putIfAbsent(id, session);
        if (existing != null) {
            throw new IllegalStateException("a session with id '" + id + "' is already " + (existing.isOpen() ? "open"
                    : "closing") + " on bus '" + bus.name() + "'");
        }
        return started(session);
    }

    /**
     * Finishes the open of a session that won its id: publishes SessionStarted and only then lets
     * lookups return it. Whatever happens, the session's {@code started} completes, so a get-or-open
     * waiting for it goes on.
     */
    private Session started(SessionImpl session) {
        try {
            // Counted active first: a bus close racing with this open (closeAll) finds it in the map
            // and uncounts it if it closes it; whichever closes it does the counting.
            active.incrementAndGet();
            BusState now = bus.state();
            if (now == BusState.CLOSING || now == BusState.CLOSED) {
                sessions.remove(session.id(), session);
                if (session.closeWithBus()) {
                    active.decrementAndGet(); // never opened
                } else {
                    opened.increment(); // closeAll closed it first and counted it closed
                }
                throw bus.closedError("open a session");
            }
            opened.increment();
            if (bus.hasHandlers(session.lane(), SessionStarted.class)) {
                bus.publisher().lifecycle(session.lane(), new SessionStarted(session.id()), Headers.empty());
            }
        } finally {
            session.markStarted();
        }
        return session;
    }

    /** The session under this id if it is open and its open finished. */
    private static @Nullable SessionImpl usable(@Nullable SessionImpl session) {
        return session != null && session.isOpen() && session.isStarted() ? session : null;
    }

    Optional<Session> find(String id) {
        SessionImpl session = usable(sessions.get(java.util.Objects.requireNonNull(id, "id")));
        if (session != null) {
            session.touch(); // a session someone looked up is in use: idle expiry leaves it
        }
        return Optional.ofNullable(session);
    }

    Session getOrOpen(String id) {
        SessionImpl.checkId(id);
        while (true) {
            bus.checkUsable("open a session");
            SessionImpl existing = sessions.get(id);
            if (existing != null) {
                if (existing.isOpen()) {
                    if (!existing.isStarted()) {
                        if (existing.opener == Thread.currentThread()) {
                            throw new IllegalStateException("getOrOpenSession('" + id + "') while this thread opens"
                                    + " that session (from a filter or observer of its SessionStarted) would wait for"
                                    + " itself");
                        }
                        existing.started.join(); // another thread is opening it: wait for its SessionStarted
                        continue; // the open may have failed (bus closed), or a close begun since
                    }
                    existing.touch(); // in use: idle expiry leaves it
                    return existing;
                }
                if (Binding.relationTo(existing.lane()) != 0) {
                    throw new IllegalStateException("getOrOpenSession('" + id + "') from the work of session '" + id
                            + "' while it closes would wait for its own close; open it from outside");
                }
                existing.closed.join(); // its close removes it from the map before completing
                continue;
            }
            var session = new SessionImpl(bus, id, registeredHandlers);
            if (sessions.putIfAbsent(id, session) == null) {
                return started(session);
            }
        }
    }

    @Nullable SessionImpl openNamed(String id) {
        return usable(sessions.get(id));
    }

    List<String> openIds() {
        var ids = new ArrayList<String>();
        sessions.forEach((id, session) -> {
            if (usable(session) != null) {
                ids.add(id);
            }
        });
        return List.copyOf(ids);
    }

    /** A session's close began. */
    void closing(SessionImpl session) {
        active.decrementAndGet();
    }

    /** A session's close finished: its id is free again. */
    void closed(SessionImpl session, boolean byExpiry) {
        sessions.remove(session.id(), session);
        closedCount.increment();
        if (byExpiry) {
            expired.increment();
        }
    }

    /** The bus closes: every session is closed without draining. */
    void closeAll() {
        for (SessionImpl session : sessions.values()) {
            // counted here only if this call closed it: a close under way counts itself when it ends
            if (session.closeWithBus()) {
                active.decrementAndGet();
                closedCount.increment();
            }
        }
        sessions.clear();
    }

    int active() {
        return active.get();
    }

    long opened() {
        return opened.sum();
    }

    long closedCount() {
        return closedCount.sum();
    }

    long expired() {
        return expired.sum();
    }

    /** Starts the idle-expiry sweep on the bus's timer, if the bus has an idle timeout. */
    void startExpiry(Timer timer) {
        bus.config().sessionIdleTimeout().ifPresent(idle -> timer.schedule(new Sweep(timer, idle,
                bus.config().clock().instant().plus(idle))));
    }

    /**
     * Every idle timeout: closes the sessions unused for at least the idle timeout, each on its own
     * thread. A session therefore expires between one and two idle timeouts after its last use.
     */
    private final class Sweep extends Timer.Task {
        private final Timer timer;
        private final Duration idle;

        Sweep(Timer timer, Duration idle, Instant due) {
            super(due);
            this.timer = timer;
            this.idle = idle;
        }

        @Override
        void run() {
            for (SessionImpl session : sessions.values()) {
                if (session.idleSinceLastCheck(bus.config().clock(), idle) && session.claimExpiry()) {
                    try {
                        bus.threads().startTracked("expire-" + session.id(),
                                () -> session.closeClaimed(bus.config().closeTimeout(), true));
                    } catch (Throwable t) {
                        LOG.log(Level.ERROR, "bus '" + bus.name() + "' could not start the close of idle session '"
                                + session.id() + "'", t);
                    }
                }
            }
            timer.schedule(new Sweep(timer, idle, due.plus(idle)));
        }
    }
}
