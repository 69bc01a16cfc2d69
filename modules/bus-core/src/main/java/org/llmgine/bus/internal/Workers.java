package org.llmgine.bus.internal;

import java.lang.System.Logger.Level;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;
import org.jspecify.annotations.Nullable;

/**
 * The dispatcher: lanes with work wait in a ready queue, and a small set of long-lived worker
 * virtual threads take them, run a batch of each and move on. A burst of events, or a lane that
 * runs dry between two events, costs no thread start: workers stay alive and park when nothing is
 * ready.
 *
 * <p>Spinning: at most one worker at a time spins instead of parking, for {@link #SPIN_NANOS}
 * (whoever holds the <em>spin token</em>): either the worker that just emptied its lane, lingering
 * on it for the next event (see {@link LaneRunner}), or an idle worker watching the ready queue.
 * While it spins, a newly ready lane needs no wake-up. One spinner at most, because on a machine
 * with few cores every spinning worker takes a core that a publisher or another worker needs.
 *
 * <p>How many workers: a lane that becomes ready is left to a busy worker (it takes the next lane
 * when its batch ends) while at most {@link #BACKLOG_PER_WORKER} lanes wait per busy worker, since
 * waking a parked worker costs the publisher a futex call; beyond that, an idle worker is woken, or a new one started while
 * fewer than {@code parallelism} (the virtual-thread scheduler's carriers) exist. While lanes wait
 * and nobody spins for them, the <em>monitor</em> (a thread that wakes every
 * {@link #MONITOR_PERIOD_NANOS} only while that lasts) counts the busy workers that made progress
 * since its last look; those that did not are parked inside a handler (an LLM call, a tool call).
 * When one of them is stuck (or none is busy), it wakes or starts another worker, so a slow handler
 * in one session never stalls the others for longer than a period or two. It never adds a worker
 * next to busy ones that progress: on a machine with few cores an extra running worker takes the
 * core a publisher needs. It also replaces a
 * worker whose start failed. Workers beyond {@code parallelism} exit after
 * {@link #KEEP_ALIVE_NANOS} without work. These are scheduling heuristics on real time, not
 * semantics, so they do not use the bus's clock.
 *
 * <p>The ready queue has the five priority levels of the mailboxes: a lane is queued at the level
 * of its most urgent waiting event, so under load an urgent event's session is served first.
 *
 * <p>Concurrency: {@code lock} guards the ready queue, the idle stack, the worker list and counts,
 * and each worker's {@code parked} flag. {@code readyCount} mirrors the queue's size and
 * {@code spinning} is the spin token (compare-and-set), both for lock-free reads. No other lock is
 * held while this one is taken. Threads are started and unparked after it is released.
 * ReentrantLock, so a waiting virtual thread does not pin its carrier.
 */
final class Workers {

    private static final System.Logger LOG = System.getLogger("org.llmgine.bus");
    /** How long an idle worker beyond {@code parallelism} waits for work before it exits. */
    static final long KEEP_ALIVE_NANOS = 1_000_000_000L;
    /** How often the monitor looks at the workers while lanes wait and no worker is free. */
    static final long MONITOR_PERIOD_NANOS = 500_000L;
    /**
     * How many lanes may wait per busy worker before a publisher wakes another one: a busy worker
     * takes them within microseconds when handlers are quick, and a wake-up costs the publisher a
     * futex call; the monitor covers busy workers that are stuck in handlers.
     */
    static final int BACKLOG_PER_WORKER = 8;
    /** How long the holder of the spin token spins for work before it parks or lets its lane go. */
    static final long SPIN_NANOS = 50_000L;
    /** The decision that tells the caller to start a worker after releasing the lock. */
    private static final Object START = new Object();
    private static final VarHandle SPINNING;

    static {
        try {
            SPINNING = MethodHandles.lookup().findVarHandle(Workers.class, "spinning", boolean.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final DefaultMessageBus bus;
    private final int parallelism;
    private final int batchSize;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition monitorWake = lock.newCondition();
    private final PriorityBuckets<Lane> ready;
    private final ArrayDeque<Worker> idle = new ArrayDeque<>();
    private final List<Worker> all = new ArrayList<>();
    private volatile int readyCount;
    @SuppressWarnings("unused") // accessed through SPINNING
    private volatile boolean spinning;
    private long readySeq;
    private int workers;
    /** Workers holding a lane (between taking it from the queue and coming back for the next). */
    private int busy;
    private int workerSeq;
    private boolean started;
    private boolean closed;
    private boolean monitorWaiting;

    Workers(DefaultMessageBus bus, int batchSize, int starvationLimit) {
        this.bus = bus;
        this.batchSize = batchSize;
        this.ready = new PriorityBuckets<>(starvationLimit);
        this.parallelism = parallelism();
    }

    private static int parallelism() {
        String configured = System.getProperty("jdk.virtualThreadScheduler.parallelism");
        if (configured != null) {
            try {
                return Math.max(1, Integer.parseInt(configured.trim()));
            } catch (NumberFormatException ignored) {
                // fall back to the scheduler's default
            }
        }
        return Math.max(1, Runtime.getRuntime().availableProcessors());
    }

    // ---------------------------------------------------------------- queueing lanes

    /**
     * Queues a lane that just became scheduled (a publisher added to it while idle) and wakes or
     * starts a worker for it if needed.
     *
     * @return false if the pool is closed: the caller must retire the lane
     */
    boolean schedule(Lane lane) {
        return requeue(lane);
    }

    /**
     * Puts a lane that still has deliveries back at the end of its level (the worker holding it
     * moves on to other lanes), and wakes or starts a worker for it if needed.
     *
     * @return false if the pool is closed: the lane must be retired instead
     */
    boolean requeue(Lane lane) {
        Object wake;
        lock.lock();
        try {
            if (closed) {
                return false;
            }
            lane.readyOrder = ++readySeq;
            ready.add(lane);
            readyCount = ready.size();
            wake = wakeDecision();
        } finally {
            lock.unlock();
        }
        wake(wake);
        return true;
    }

    /** Tells, without the lock, whether lanes wait for a worker. */
    boolean othersReady() {
        return readyCount > 0;
    }

    /**
     * Decides who serves a queued lane (lock held): the spinning worker; a busy worker once its
     * batch ends, while at most {@link #BACKLOG_PER_WORKER} lanes wait per busy worker; else an idle
     * worker, a new one while fewer than {@code parallelism} exist, or the monitor.
     */
    private @Nullable Object wakeDecision() {
        if (!started || spinning) {
            return null;
        }
        if (busy > 0 && ready.size() <= busy * BACKLOG_PER_WORKER) {
            // A busy worker takes the lane when its batch ends; waking another (a futex call paid by
            // the publisher) is worth it only if lanes queue up faster than that. If the busy ones
            // are stuck in handlers, the monitor notices within a period.
            if (monitorWaiting) {
                monitorWake.signal();
            }
            return null;
        }
        return anotherWorker();
    }

    /** Wakes an idle worker, or starts one while fewer than {@code parallelism} exist (lock held). */
    private @Nullable Object anotherWorker() {
        Worker sleeper = idle.pollFirst();
        if (sleeper != null) {
            sleeper.parked = false;
            return sleeper;
        }
        if (workers < parallelism) {
            workers++;
            return START;
        }
        if (monitorWaiting) {
            monitorWake.signal();
        }
        return null;
    }

    /** Carries out a decision of {@link #wakeDecision}, outside every lock. */
    private void wake(@Nullable Object decision) {
        if (decision instanceof Worker worker) {
            LockSupport.unpark(worker.thread);
        } else if (decision == START) {
            startWorker();
        }
    }

    /** Starts a worker already counted in {@code workers}. */
    private void startWorker() {
        var worker = new Worker();
        String name;
        lock.lock();
        try {
            name = "worker-" + (++workerSeq);
            all.add(worker);
        } finally {
            lock.unlock();
        }
        try {
            bus.threads().startTracked(name, worker);
        } catch (Throwable t) {
            lock.lock();
            try {
                all.remove(worker);
                workers--;
                if (monitorWaiting) {
                    monitorWake.signal();
                }
            } finally {
                lock.unlock();
            }
            LOG.log(Level.ERROR, "bus '" + bus.name() + "' could not start a worker thread; its monitor retries", t);
        }
    }

    // ---------------------------------------------------------------- the spin token

    /** Takes the spin token; false if another worker spins already. */
    boolean startSpinning() {
        return !spinning && SPINNING.compareAndSet(this, false, true);
    }

    /**
     * Gives the spin token back. Lanes queued meanwhile found nobody to wake (the spinner was to
     * take them); unless the caller polls the ready queue next, wake a worker for them now.
     */
    void stopSpinning(boolean pollsNext) {
        spinning = false;
        if (!pollsNext && readyCount > 0) {
            Object wake;
            lock.lock();
            try {
                wake = ready.isEmpty() ? null : wakeDecision();
            } finally {
                lock.unlock();
            }
            wake(wake);
        }
    }

    // ---------------------------------------------------------------- lifecycle

    /** Starts dispatching: the monitor, and workers for lanes that became ready before start. */
    void start() {
        int toStart;
        lock.lock();
        try {
            started = true;
            toStart = Math.min(parallelism, ready.size());
            workers += toStart;
        } finally {
            lock.unlock();
        }
        try {
            bus.threads().startTracked("dispatcher", this::monitor);
        } catch (Throwable t) {
            // Workers still start on demand; only the backstop for stalled lanes is missing.
            LOG.log(Level.ERROR, "bus '" + bus.name() + "' could not start its dispatcher monitor; lanes whose"
                    + " workers all block in handlers wait for those handlers", t);
        }
        for (int i = 0; i < toStart; i++) {
            startWorker();
        }
    }

    /**
     * Stops taking lanes: returns the lanes still queued (the caller retires them: their
     * deliveries never ran), and tells idle workers and the monitor to exit. Workers holding a lane
     * finish their batch first (or stop early if the bus is cancelling), then exit.
     */
    List<Lane> close() {
        List<Lane> queued;
        List<Worker> sleepers;
        lock.lock();
        try {
            closed = true;
            queued = ready.removeAll();
            readyCount = 0;
            sleepers = new ArrayList<>(idle);
            idle.clear();
            for (Worker worker : sleepers) {
                worker.parked = false;
            }
            monitorWake.signalAll();
        } finally {
            lock.unlock();
        }
        for (Worker worker : sleepers) {
            LockSupport.unpark(worker.thread);
        }
        return queued;
    }

    // ---------------------------------------------------------------- workers

    /** The next lane for a worker: spins (with the token) or parks while none is ready; null once it should exit. */
    private @Nullable Lane next(Worker self) {
        boolean spun = false;
        lock.lock();
        try {
            if (self.serving) {
                self.serving = false;
                busy--;
            }
            while (true) {
                if (closed) {
                    return exit(self);
                }
                Lane lane = ready.poll();
                if (lane != null) {
                    readyCount = ready.size();
                    self.serving = true;
                    busy++;
                    return lane;
                }
                if (!spun && startSpinning()) {
                    spun = true;
                    lock.unlock();
                    try {
                        spinForReady();
                    } finally {
                        spinning = false; // the loop polls next
                        lock.lock();
                    }
                    continue;
                }
                boolean extra = workers > parallelism;
                idle.addFirst(self);
                self.parked = true;
                Thread.interrupted(); // a stray interrupt would turn the park into a busy loop; close sets closed first
                lock.unlock();
                try {
                    if (extra) {
                        LockSupport.parkNanos(this, KEEP_ALIVE_NANOS);
                    } else {
                        LockSupport.park(this);
                    }
                } finally {
                    lock.lock();
                }
                if (self.parked) { // nobody woke it: a timeout or a spurious return
                    idle.remove(self);
                    self.parked = false;
                    if (extra && workers > parallelism && ready.isEmpty()) {
                        return exit(self);
                    }
                } else {
                    spun = false;
                }
            }
        } finally {
            lock.unlock();
        }
    }

    private void spinForReady() {
        long start = System.nanoTime();
        while (readyCount == 0) {
            for (int i = 0; i < 32; i++) {
                Thread.onSpinWait();
            }
            if (System.nanoTime() - start > SPIN_NANOS) {
                return;
            }
        }
    }

    private @Nullable Lane exit(Worker self) {
        workers--;
        all.remove(self);
        return null;
    }

    /** A worker ended abnormally (a bug): forget it and let the monitor replace it. */
    private void died(Worker self) {
        lock.lock();
        try {
            if (self.serving) {
                self.serving = false;
                busy--;
            }
            idle.remove(self);
            if (all.remove(self)) {
                workers--;
            }
            if (monitorWaiting) {
                monitorWake.signal();
            }
        } finally {
            lock.unlock();
        }
    }

    /** Tells whether lanes wait and no worker spins to take them (lock held). */
    private boolean stalled() {
        return started && !closed && !ready.isEmpty() && !spinning;
    }

    /**
     * The monitor: while lanes wait and nobody spins for them, looks every period at the busy
     * workers, and wakes or starts another worker when one of them made no progress since the last
     * look (or none is busy).
     */
    private void monitor() {
        lock.lock();
        try {
            while (!closed) {
                if (!stalled()) {
                    monitorWaiting = true;
                    try {
                        monitorWake.await();
                    } catch (InterruptedException e) {
                        return; // close cancelled it
                    } finally {
                        monitorWaiting = false;
                    }
                    continue;
                }
                for (Worker worker : all) {
                    worker.seen = worker.runner.progress();
                }
                lock.unlock();
                try {
                    LockSupport.parkNanos(this, MONITOR_PERIOD_NANOS);
                } finally {
                    lock.lock();
                }
                if (Thread.currentThread().isInterrupted()) {
                    return;
                }
                if (stalled() && (busy == 0 || progressing() < busy)) {
                    Object wake = anotherWorker();
                    lock.unlock();
                    try {
                        wake(wake);
                    } finally {
                        lock.lock();
                    }
                }
            }
        } finally {
            lock.unlock();
        }
    }

    /** Counts the busy workers that handled an event since the monitor's last look (lock held). */
    private int progressing() {
        int moving = 0;
        for (Worker worker : all) {
            if (worker.serving && worker.runner.progress() != worker.seen) {
                moving++;
            }
        }
        return moving;
    }

    /** One worker thread: takes ready lanes and runs them until the pool closes or it is no longer needed. */
    private final class Worker implements Runnable {
        /** Set once started; read by wakers. */
        volatile @Nullable Thread thread;
        /** True while it waits in the idle stack and nobody has woken it; guarded by the pool's lock. */
        boolean parked;
        /** The monitor's last look at {@code runner.progress()}; guarded by the pool's lock. */
        long seen;
        /** Whether it holds a lane (counted in {@code busy}); guarded by the pool's lock. */
        boolean serving;
        final LaneRunner runner = new LaneRunner(bus, batchSize);

        @Override
        public void run() {
            thread = Thread.currentThread(); // before it can park, so a waker never unparks null
            boolean clean = false;
            try {
                for (Lane lane = next(this); lane != null; lane = next(this)) {
                    try {
                        runner.serve(lane);
                    } catch (Throwable t) {
                        // serve repairs its lane before it rethrows; this worker goes on with the next one
                        LOG.log(Level.ERROR, "bus '" + bus.name() + "' failed while serving " + lane, t);
                    }
                }
                clean = true;
            } finally {
                if (!clean) {
                    died(this);
                }
            }
        }
    }
}
