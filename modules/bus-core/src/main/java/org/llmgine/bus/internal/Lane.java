package org.llmgine.bus.internal;

import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.jspecify.annotations.Nullable;
import org.llmgine.bus.PublishOutcome;
import org.llmgine.bus.RejectionReason;

/**
 * The mailbox of one scope (a session, or the bus scope). Publishers put accepted deliveries
 * straight into it; a worker of the {@link Workers} pool takes them in batches and runs them one
 * at a time, so the events of one session are handled in order while lanes run in parallel. The
 * mailbox is ordered by priority level, FIFO within a level, with the starvation guard
 * ({@link PriorityBuckets}); ids are handed out under this lane's lock, so within a lane mailbox
 * order is acceptance order.
 *
 * <p>A lane is <em>scheduled</em> from the moment a delivery reaches it while idle until a worker
 * finds it empty: scheduled means it waits in the pool's ready queue or a worker holds it, never
 * both, so at most one worker runs a lane. An idle lane costs no thread.
 *
 * <p>Concurrency: {@code lock} guards the mailbox, {@code scheduled}, {@code retired},
 * {@code closing} (written under it, read by refusals under it) and the idle wait.
 * {@code waiting} and {@code idleWaiters} are volatile mirrors for lock-free reads (a worker spins
 * on {@code waiting}; a release reads {@code idleWaiters} before signalling). The pool's lock is
 * taken inside this one (to enqueue the lane), never the other way round. The plan cache is read
 * and written only by the worker that holds the lane. ReentrantLock, so a waiting virtual thread
 * does not pin its carrier.
 */
final class Lane implements PriorityBuckets.Entry {

    final DefaultMessageBus bus;
    final @Nullable SessionImpl session;
    final @Nullable String sessionId;
    final String label;
    /** The name of the handler threads forked for this lane's events. */
    final String handlerThreadName;
    /** The binding of every thread that handles this lane's events. */
    final Binding binding;
    /** Commands running in this lane's scope; a session waits for them before it closes. */
    final AtomicInteger runningCommands = new AtomicInteger();
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition idle = lock.newCondition();
    private final PriorityBuckets<Delivery> mailbox;
    private final Admission admission;
    private boolean scheduled;
    private boolean retired;
    private boolean closing;
    private volatile int waiting;
    private volatile int idleWaiters;
    /** The level and age this lane has in the pool's ready queue; written under both locks. */
    int readyLevel;
    long readyOrder;
    private @Nullable Class<?> cachedType;
    private @Nullable Plan cachedPlan;

    Lane(DefaultMessageBus bus, @Nullable SessionImpl session) {
        this(bus, session, session == null ? null : session.id());
    }

    private Lane(DefaultMessageBus bus, @Nullable SessionImpl session, @Nullable String sessionId) {
        this.bus = bus;
        this.session = session;
        this.sessionId = sessionId;
        this.label = sessionId == null ? "bus-scope" : "session-" + sessionId;
        this.handlerThreadName = bus.threads().nameOf(label + "-handler");
        this.mailbox = new PriorityBuckets<>(bus.config().starvationLimit());
        this.admission = bus.admission();
        this.binding = Binding.handling(bus, this);
    }

    /**
     * A lane for a session id with no open session (scheduled events restored after a restart): its
     * events carry the session id, and only bus-scope handlers see them.
     */
    static Lane detached(DefaultMessageBus bus, String sessionId) {
        return new Lane(bus, null, sessionId);
    }

    @Override
    public int level() {
        return readyLevel;
    }

    @Override
    public long order() {
        return readyOrder;
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
     * Admits a delivery into this lane, or says why not. A lane that was idle is handed to the
     * pool's ready queue in the same step, so no accepted delivery is ever without a worker to come.
     *
     * @return null when accepted; {@link Admission#queueFull} when the bound is reached (the caller
     *     waits, evicts or rejects); another rejection when the bus or session refuses it
     */
    PublishOutcome.@Nullable Rejected offer(Delivery delivery, int source) {
        Object wake = null;
        lock.lock();
        try {
            PublishOutcome.Rejected refusal = refusal(source);
            if (refusal != null) {
                return refusal;
            }
            if (scheduled) {
                if (!admission.tryAcquire(delivery)) {
                    return admission.queueFull;
                }
                add(delivery);
                return null;
            }
            Object result = bus.workers().schedule(this, delivery);
            if (result instanceof PublishOutcome.Rejected rejected) {
                return rejected;
            }
            wake = result;
            return null;
        } finally {
            lock.unlock();
            if (wake != null) {
                bus.workers().wake(wake);
            }
        }
    }

    /** Takes a slot and adds the delivery, marking the lane scheduled; the pool calls it under both locks. */
    boolean admitIdle(Delivery delivery) {
        if (!admission.tryAcquire(delivery)) {
            return false;
        }
        add(delivery);
        scheduled = true;
        readyLevel = delivery.level();
        return true;
    }

    private void add(Delivery delivery) {
        mailbox.add(delivery);
        waiting = mailbox.size();
    }

    /** Why this lane refuses a publish now, or null (lock held). */
    PublishOutcome.@Nullable Rejected refusal(int source) {
        int mode = admission.mode();
        if (retired || mode == Admission.CLOSED
                || (mode == Admission.INTERNAL_ONLY && source == Admission.FROM_CALLER && !Binding.currentlyWithin(bus))) {
            return admission.busClosed;
        }
        if (closing && source == Admission.FROM_CALLER && Binding.relationTo(this) == 0) {
            return new PublishOutcome.Rejected(RejectionReason.SESSION_CLOSED, "session '" + sessionId
                    + "' began closing before the event was accepted");
        }
        return null;
    }

    /** Re-checks a refusal for a publisher that waited for room. */
    PublishOutcome.@Nullable Rejected refusalNow(int source) {
        lock.lock();
        try {
            return refusal(source);
        } finally {
            lock.unlock();
        }
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
            if (mailbox.remove(delivery)) {
                waiting = mailbox.size();
            }
        } finally {
            lock.unlock();
        }
    }

    // ---------------------------------------------------------------- the worker holding the lane

    /** Takes up to {@code into.length} deliveries, in order; 0 if the mailbox is empty. */
    int take(Delivery[] into) {
        lock.lock();
        try {
            int n = 0;
            while (n < into.length) {
                Delivery next = mailbox.poll();
                if (next == null) {
                    break;
                }
                into[n++] = next;
            }
            waiting = mailbox.size();
            return n;
        } finally {
            lock.unlock();
        }
    }

    /** Tells, without the lock, whether deliveries wait in the mailbox. */
    boolean hasWaiting() {
        return waiting > 0;
    }

    /** What a worker does with a lane after a batch. */
    static final int CONTINUE = 0;
    static final int RELEASED = 1;
    static final int RETIRE = 2;

    /**
     * Ends a worker's turn on this lane: an empty lane becomes idle (waking its idle waiters), a
     * lane with more deliveries goes back to the ready queue when other lanes wait (fairness),
     * else the worker continues with it.
     *
     * @return {@link #CONTINUE}, {@link #RELEASED}, or {@link #RETIRE} when the pool no longer takes
     *     lanes (the bus closed): the worker must hand the mailbox back
     */
    int endTurn(Workers pool) {
        lock.lock();
        try {
            if (mailbox.isEmpty()) {
                scheduled = false;
                if (idleWaiters > 0) {
                    idle.signalAll();
                }
                return RELEASED;
            }
            if (!pool.othersReady()) {
                return CONTINUE;
            }
            readyLevel = mailbox.mostUrgentLevel();
            return pool.requeue(this) ? RELEASED : RETIRE;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Gives up a lane after an unexpected failure of its worker: idle if empty, else back in the
     * ready queue for another worker.
     *
     * @return false if the pool is closed: the caller must retire the lane
     */
    boolean handOff(Workers pool) {
        lock.lock();
        try {
            if (mailbox.isEmpty()) {
                scheduled = false;
                if (idleWaiters > 0) {
                    idle.signalAll();
                }
                return true;
            }
            readyLevel = mailbox.mostUrgentLevel();
            return pool.requeue(this);
        } finally {
            lock.unlock();
        }
    }

    /**
     * Retires the lane for good (the bus closed): takes every delivery still waiting, refuses all
     * later publishes, and wakes its idle waiters. The caller returns what it took.
     */
    List<Delivery> retire() {
        lock.lock();
        try {
            retired = true;
            scheduled = false;
            List<Delivery> left = mailbox.removeAll();
            waiting = 0;
            if (idleWaiters > 0) {
                idle.signalAll();
            }
            return left;
        } finally {
            lock.unlock();
        }
    }

    // ---------------------------------------------------------------- idle waits

    /**
     * Waits until no accepted event of this lane is unfinished (and, when {@code commands}, no
     * command runs in its scope), at most {@code nanos}.
     *
     * @return true if idle, false if the time ran out
     */
    boolean awaitIdle(long nanos, boolean commands) throws InterruptedException {
        lock.lockInterruptibly();
        try {
            idleWaiters++;
            try {
                while (scheduled || (commands && runningCommands.get() > 0)) {
                    if (nanos <= 0) {
                        return false;
                    }
                    nanos = idle.awaitNanos(nanos);
                }
                return true;
            } finally {
                idleWaiters--;
            }
        } finally {
            lock.unlock();
        }
    }

    /** Wakes this lane's idle waiters after its last running command ended. */
    void commandsChanged() {
        if (idleWaiters > 0) {
            lock.lock();
            try {
                idle.signalAll();
            } finally {
                lock.unlock();
            }
        }
    }

    /** The number of threads waiting for this lane to become idle. */
    int idleWaiters() {
        return idleWaiters;
    }

    /** The number of deliveries waiting in the mailbox (not yet taken). */
    int waitingCount() {
        return waiting;
    }

    @Override
    public String toString() {
        return "lane " + label;
    }
}
