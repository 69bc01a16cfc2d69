package org.llmgine.bus.internal;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.List;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.jspecify.annotations.Nullable;

/**
 * The mailbox of one scope (a session, or the bus scope). Publishers put accepted deliveries
 * straight into its {@link Mailbox}; a worker of the {@link Workers} pool takes them in batches and
 * runs them one at a time, so the events of one session are handled in order while lanes run in
 * parallel. Ids are handed out under this lane's lock, so within a lane mailbox order is
 * acceptance order.
 *
 * <p>A lane is IDLE, SCHEDULED (waiting in the pool's ready queue, or held by exactly one worker),
 * or RETIRED (the bus closed). The move to SCHEDULED is a compare-and-set made by whoever finds work
 * for an idle lane: the publisher that added a delivery, or the worker that let it go and then saw a
 * late delivery. A publisher adds first and then reads the state; a worker writes IDLE first and
 * then looks at the mailbox, with a full fence between the write and the read on each side; so one
 * of them always sees the other, and no delivery is ever left without a worker to come. An idle
 * lane costs no thread.
 *
 * <p>Concurrency: {@code lock} serializes the publishers of this lane (admission, ids, adding) and
 * guards {@code closing} and the idle wait; the worker holding the lane takes deliveries without it
 * (under DROP_OLDEST with it, so an eviction may unlink a delivery anywhere). {@code state} is
 * changed by compare-and-set or by its holder. {@code idleWaiters} is written under the lock and
 * read without it by the worker before it signals. The pool's lock is taken after this one, never
 * the other way round. The plan cache is read and written only by the worker holding the lane.
 * ReentrantLock, so a waiting virtual thread does not pin its carrier.
 */
final class Lane extends ReadyQueue.Node {

    static final int IDLE = 0;
    static final int SCHEDULED = 1;
    static final int RETIRED = 2;

    private static final VarHandle STATE;
    private static final VarHandle RUNNING;

    static {
        try {
            STATE = MethodHandles.lookup().findVarHandle(Lane.class, "state", int.class);
            RUNNING = MethodHandles.lookup().findVarHandle(Lane.class, "runningCommands", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    final DefaultMessageBus bus;
    final @Nullable SessionImpl session;
    final @Nullable String sessionId;
    private final ReentrantLock lock = new ReentrantLock();
    /** Made by the first idle waiter (under the lock): most lanes never have one. */
    private @Nullable Condition idle;
    private final Mailbox mailbox;
    private final Admission admission;
    private final boolean evictable;
    /** Whether the bus has observers: then onAccepted is called here, before a worker can take the event. */
    private final boolean observed;
    @SuppressWarnings("unused") // accessed through STATE
    private volatile int state = IDLE;
    /**
     * Commands running in this lane's scope; a session waits for them before it closes. The bus
     * scope's lane does not count (the bus counts all commands; nothing waits for its lane's).
     */
    @SuppressWarnings("unused") // accessed through RUNNING
    private volatile int runningCommands;
    /** The binding of every thread that handles this lane's events; made on first use. */
    private @Nullable Binding binding;
    private volatile boolean closing;
    private volatile int idleWaiters;
    private @Nullable String handlerThreadName;
    private @Nullable Class<?> cachedType;
    private @Nullable Plan cachedPlan;

    Lane(DefaultMessageBus bus, @Nullable SessionImpl session) {
        this(bus, session, session == null ? null : session.id());
    }

    private Lane(DefaultMessageBus bus, @Nullable SessionImpl session, @Nullable String sessionId) {
        this.bus = bus;
        this.session = session;
        this.sessionId = sessionId;
        this.mailbox = new Mailbox(bus.config().starvationLimit());
        this.admission = bus.admission();
        this.evictable = bus.evictions() != null;
        this.observed = bus.observed();
    }

    /**
     * A lane for a session id with no open session (scheduled events restored after a restart): its
     * events carry the session id, and only bus-scope handlers see them.
     */
    static Lane detached(DefaultMessageBus bus, String sessionId) {
        return new Lane(bus, null, sessionId);
    }

    /** The lane's name in thread names and messages: {@code bus-scope} or {@code session-<id>}. */
    String label() {
        return sessionId == null ? "bus-scope" : "session-" + sessionId;
    }

    /** The name of the handler threads forked for this lane's events (made on first use). */
    String handlerThreadName() {
        String name = handlerThreadName;
        if (name == null) {
            name = bus.threads().nameOf(label() + "-handler");
            handlerThreadName = name;
        }
        return name;
    }

    /** The binding of the threads that handle this lane's events (made on first use; a benign race). */
    Binding binding() {
        Binding known = binding;
        if (known == null) {
            known = Binding.handling(bus, this);
            binding = known;
        }
        return known;
    }

    /** Counts a command starting in this lane's scope (sessions only). */
    void commandStarted() {
        RUNNING.getAndAdd(this, 1);
    }

    /** Counts a command ending; true if none runs any more. */
    boolean commandEnded() {
        return (int) RUNNING.getAndAdd(this, -1) == 1;
    }

    /** Returns the handler plan of an event class in this lane's scope (any thread). */
    Plan plan(Class<?> eventType) {
        return session == null ? bus.busPlan(eventType) : session.plan(eventType);
    }

    /** Returns the plan for dispatch, cached for the last class seen; only the worker holding the lane calls it. */
    Plan dispatchPlan(Class<?> eventType) {
        Plan plan = cachedPlan;
        if (plan != null && cachedType == eventType && plan.isCurrent(bus.table(), session)) {
            return plan;
        }
        plan = plan(eventType);
        cachedType = eventType;
        cachedPlan = plan;
        return plan;
    }

    // ---------------------------------------------------------------- publishers

    /**
     * Admits a delivery into this lane, or says why not; an idle lane that receives it is handed to
     * the pool's ready queue.
     *
     * @return the number of unfinished events just after it was accepted (at least 1), or a
     *     negative rejection code of {@link Admission}: {@link Admission#FULL} when the bound is
     *     reached (the caller waits, evicts or rejects), another when the bus or session refuses it
     */
    int offer(Delivery delivery, int source) {
        int size;
        lock.lock();
        try {
            int refusal = refusal(source);
            if (refusal != 0) {
                return refusal;
            }
            size = admission.tryAcquire(delivery);
            if (size == 0) {
                return Admission.FULL;
            }
            if (observed) {
                // Before the delivery is takeable, so no observer hears of its dispatch or end
                // before its acceptance (callbacks are short and must not publish: documented).
                bus.observeAccepted(delivery, size);
            }
            mailbox.add(delivery);
        } finally {
            lock.unlock();
        }
        // Dekker with the worker's letGo: the delivery is linked before the state is read, and the
        // worker writes IDLE before it looks at the mailbox; a full fence on each side (the unlock
        // alone is not one in the memory model) makes sure one of them sees the other.
        VarHandle.fullFence();
        if (state == IDLE && STATE.compareAndSet(this, IDLE, SCHEDULED)) {
            readyLevel = delivery.level();
            readyOrder = delivery.id;
            bus.workers().schedule(this);
        }
        return size;
    }

    /** Why this lane refuses a publish now: a negative rejection code of {@link Admission}, or 0. */
    int refusal(int source) {
        int mode = admission.mode();
        if (state == RETIRED || mode == Admission.CLOSED
                || (mode == Admission.INTERNAL_ONLY && source == Admission.FROM_CALLER && !Binding.currentlyWithin(bus))) {
            return Admission.BUS_CLOSED;
        }
        if (closing && source == Admission.FROM_CALLER && Binding.relationTo(this) == 0) {
            return Admission.SESSION_CLOSED;
        }
        return 0;
    }

    /** From now on the lane takes only its own work and lifecycle events (its session is closing). */
    void close() {
        lock.lock();
        try {
            closing = true;
        } finally {
            lock.unlock();
        }
        admission.recheckWaiters();
    }

    /** Removes an evicted delivery if it still waits here (called under the {@link Evictions} lock). */
    void removeWaiting(Delivery delivery) {
        lock.lock();
        try {
            mailbox.remove(delivery);
        } finally {
            lock.unlock();
        }
    }

    // ---------------------------------------------------------------- the worker holding the lane

    /** Takes up to {@code into.length} deliveries, in order; 0 if none waits. */
    int take(Delivery[] into) {
        if (!evictable) {
            return mailbox.take(into);
        }
        lock.lock();
        try {
            return mailbox.take(into);
        } finally {
            lock.unlock();
        }
    }

    /** Tells, without a lock, whether deliveries wait (exact for the worker holding the lane). */
    boolean hasWaiting() {
        return !mailbox.isEmpty();
    }

    /** What a worker does with a lane after a batch: keep serving it. */
    static final int CONTINUE = 0;
    /** The lane went idle; the worker, no longer its holder, calls {@link #signalIdle()}. */
    static final int IDLE_NOW = 1;
    /** The lane keeps its turn in the ready queue; the worker, no longer its holder, calls {@link #requeue}. */
    static final int REQUEUE = 2;

    /**
     * Decides the end of a worker's turn on this lane: an empty lane becomes idle, a lane with more
     * deliveries goes back to the ready queue when other lanes wait (fairness), else the worker
     * continues with it. What follows a hand-over (waking idle waiters, queueing the lane) is left
     * to the caller, after it has stopped counting itself the lane's holder: whatever that throws,
     * the caller must not treat the lane as still its own.
     *
     * @return {@link #CONTINUE}, {@link #IDLE_NOW} or {@link #REQUEUE}
     */
    int endTurn(Workers pool) {
        if (hasWaiting()) {
            return pool.othersReady() ? REQUEUE : CONTINUE;
        }
        letGo();
        if (hasWaiting() && STATE.compareAndSet(this, IDLE, SCHEDULED)) {
            return CONTINUE; // a delivery arrived as the lane was let go; its publisher saw SCHEDULED
        }
        return IDLE_NOW;
    }

    /** Makes the lane idle: its mailbox back on its stubs (if still empty), then IDLE. */
    private void letGo() {
        lock.lock();
        try {
            mailbox.reset();
        } finally {
            lock.unlock();
        }
        state = IDLE;
        VarHandle.fullFence(); // see offer: IDLE is visible before the mailbox is looked at again
    }

    /**
     * Gives up a lane after an unexpected failure of its worker: idle if empty, else back in the
     * ready queue for another worker (who retires it if the bus closed meanwhile).
     */
    void handOff(Workers pool) {
        if (hasWaiting()) {
            requeue(pool);
            return;
        }
        letGo();
        if (hasWaiting() && STATE.compareAndSet(this, IDLE, SCHEDULED)) {
            requeue(pool);
            return;
        }
        signalIdle();
    }

    /** Puts the lane back in the ready queue, at the level and age of its most urgent waiting event. */
    void requeue(Workers pool) {
        readyLevel = mailbox.mostUrgentLevel();
        readyOrder = mailbox.oldestId();
        pool.schedule(this);
    }

    /**
     * Retires the lane for good (the bus closed), by its holder: refuses all later publishes, and
     * returns every delivery still waiting (counted as returned, in the close report).
     */
    void retire() {
        List<Delivery> left;
        lock.lock();
        try {
            state = RETIRED;
            left = mailbox.removeAll();
        } finally {
            lock.unlock();
        }
        bus.shutdown().handBack(left);
        signalIdle();
    }

    // ---------------------------------------------------------------- idle waits

    /**
     * Events accepted so far (a racy read: idle expiry only needs to see that it moved). Counted by
     * the mailbox beside its tail, not in this object: a write here per publish would pull the
     * lane's cache line away from its worker on every event (it cost a third of the bus-scope
     * publish rate when measured).
     */
    int offers() {
        return mailbox.adds();
    }

    /** Tells whether no event or command of this lane is unfinished. */
    boolean isQuiet() {
        return isIdle(true);
    }

    /** Tells whether this is a detached lane with no unfinished event (its map entry may go). */
    boolean isIdleDetached() {
        return session == null && isIdle(false);
    }

    private boolean isIdle(boolean commands) {
        return state != SCHEDULED && mailbox.isEmpty() && (!commands || runningCommands == 0);
    }

    /**
     * Waits until no accepted event of this lane is unfinished (and, when {@code commands}, no
     * command runs in its scope), at most {@code nanos}.
     *
     * @return true if idle, false if the time ran out
     */
    boolean awaitIdle(long nanos, boolean commands) throws InterruptedException {
        lock.lockInterruptibly();
        try {
            Condition changed = idle;
            if (changed == null) {
                changed = lock.newCondition();
                idle = changed;
            }
            idleWaiters++;
            try {
                while (!isIdle(commands)) {
                    if (nanos <= 0) {
                        return false;
                    }
                    nanos = changed.awaitNanos(nanos);
                }
                return true;
            } finally {
                idleWaiters--;
            }
        } finally {
            lock.unlock();
        }
    }

    /** Wakes this lane's idle waiters (the lane went idle, or its last running command ended). */
    void signalIdle() {
        if (idleWaiters > 0) {
            lock.lock();
            try {
                Condition changed = idle;
                if (changed != null) {
                    changed.signalAll();
                }
            } finally {
                lock.unlock();
            }
        }
    }

    /** The number of threads waiting for this lane to become idle. */
    int idleWaiters() {
        return idleWaiters;
    }

    /** The number of deliveries waiting in the mailbox (not yet taken); walks it. */
    int waitingCount() {
        lock.lock();
        try {
            return mailbox.count();
        } finally {
            lock.unlock();
        }
    }

    @Override
    public String toString() {
        return "lane " + label();
    }
}
