package org.llmgine.bus.internal;

import java.lang.System.Logger.Level;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;
import org.jspecify.annotations.Nullable;
import org.llmgine.bus.PublishOutcome;

/**
 * The dispatcher: lanes with work wait in a ready queue, and a small set of long-lived worker
 * virtual threads take them, run a batch of each and move on. A burst of events, or a lane that
 * runs dry between two events, costs no thread start: workers stay alive and first spin briefly,
 * then park, when nothing is ready.
 *
 * <p>How many workers: as many as the virtual-thread scheduler has carriers ({@code parallelism})
 * while their handlers run; more are started when every worker is parked inside a handler (an LLM
 * call, a tool call) and lanes wait, so a slow handler in one session never stalls the others.
 * This is decided when a lane becomes ready and finds no idle worker, and again by the
 * <em>monitor</em>, a thread that wakes every {@link #MONITOR_PERIOD_NANOS} while lanes wait and no
 * worker is free (handlers that block after their lane was queued, a worker start that failed).
 * Workers beyond {@code parallelism} exit after {@link #KEEP_ALIVE_NANOS} without work. These are
 * scheduling heuristics on real time, not semantics, so they do not use the bus's clock.
 *
 * <p>The ready queue has the five priority levels of the mailboxes: a lane is queued at the level
 * of its most urgent waiting event, so under load an urgent event's session is served first.
 *
 * <p>Concurrency: {@code lock} guards the ready queue, the idle stack, every count and flag here,
 * and each worker's {@code parked} flag; {@code readyCount} mirrors the queue's size for spinning
 * workers. A lane's lock is held when the lane is enqueued (the lane lock, then this one; never the
 * other way round). Threads are started and unparked after the lock is released. ReentrantLock, so
 * a waiting virtual thread does not pin its carrier.
 */
final class Workers {

    private static final System.Logger LOG = System.getLogger("org.llmgine.bus");
    /** How long an idle worker beyond {@code parallelism} waits for work before it exits. */
    static final long KEEP_ALIVE_NANOS = 1_000_000_000L;
    /** How often the monitor checks for stalled lanes while lanes wait and no worker is free. */
    static final long MONITOR_PERIOD_NANOS = 1_000_000L;
    /** How long an idle worker spins, watching for a ready lane, before it parks. */
    static final long SPIN_NANOS = 20_000L;
    /** The action that tells the publisher to start a worker after releasing its locks. */
    private static final Object START = new Object();

    private final DefaultMessageBus bus;
    private final int parallelism;
    private final int batchSize;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition monitorWake = lock.newCondition();
    private final PriorityBuckets<Lane> ready;
    private final ArrayDeque<Worker> idle = new ArrayDeque<>();
    private final List<Worker> all = new ArrayList<>();
    private volatile int readyCount;
    private long readySeq;
    private int workers;
    private int spinners;
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

    // ---------------------------------------------------------------- publishers and workers enqueue

    /**
     * Admits a delivery into an idle lane and queues the lane, in one step under this lock, so that
     * close either sees the lane queued or the publisher sees the pool closed; called with the
     * lane's lock held.
     *
     * @return a rejection ({@link Admission#queueFull} or {@link Admission#busClosed}), or the
     *     wake-up to pass to {@link #wake(Object)} after the locks are released (null: none needed)
     */
    @Nullable Object schedule(Lane lane, Delivery delivery) {
        lock.lock();
        try {
            if (closed) {
                return bus.admission().busClosed;
            }
            if (!lane.admitIdle(delivery)) {
                return bus.admission().queueFull;
            }
            enqueue(lane);
            return wakeDecision();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Puts a lane that still has deliveries back at the end of its level (the worker holding it
     * moves on to other lanes); called with the lane's lock held.
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
            enqueue(lane);
            wake = wakeDecision();
        } finally {
            lock.unlock();
        }
        wake(wake);
        return true;
    }

    private void enqueue(Lane lane) {
        lane.readyOrder = ++readySeq;
        ready.add(lane);
        readyCount = ready.size();
    }

    /** Tells, without the lock, whether other lanes wait (a worker yields its lane only then). */
    boolean othersReady() {
        return readyCount > 0;
    }

    /** Decides who serves a newly queued lane (lock held): a spinning worker, an idle one, a new one, or the monitor. */
    private @Nullable Object wakeDecision() {
        if (!started || spinners >= ready.size()) {
            return null;
        }
        Worker sleeper = idle.pollFirst();
        if (sleeper != null) {
            sleeper.parked = false;
            return sleeper;
        }
        if (workers < parallelism || runningWorkers() < parallelism) {
            workers++;
            return START;
        }
        if (monitorWaiting) {
            monitorWake.signal();
        }
        return null;
    }

    /** Counts the workers that hold a carrier or want one; the others are parked inside a handler (lock held). */
    private int runningWorkers() {
        int running = 0;
        for (Worker worker : all) {
            Thread thread = worker.thread;
            if (thread == null || thread.getState() == Thread.State.RUNNABLE) {
                running++;
            }
        }
        return running;
    }

    /** Carries out a decision of {@link #schedule} or {@link #requeue}, outside every lock. */
    void wake(@Nullable Object decision) {
        if (decision instanceof Worker worker) {
            LockSupport.unpark(worker.thread);
        } else if (decision == START) {
            startWorker();
        }
    }

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
            worker.thread = bus.threads().startTracked(name, worker);
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
                    + " workers all block in handlers wait for the next publish to get a new worker", t);
        }
        for (int i = 0; i < toStart; i++) {
            startWorker();
        }
    }

    /**
     * Stops taking lanes: every lane still queued is retired and returned to the caller (its
     * deliveries never ran), and idle workers and the monitor are told to exit. Workers holding a
     * lane finish their batch first (or stop early if the bus is cancelling) and then exit.
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

    /** The next lane for a worker: spins, then parks while nothing is ready; null once it should exit. */
    private @Nullable Lane next(Worker self) {
        boolean spun = false;
        lock.lock();
        try {
            while (true) {
                if (closed) {
                    return exit(self);
                }
                Lane lane = ready.poll();
                if (lane != null) {
                    readyCount = ready.size();
                    return lane;
                }
                if (!spun && spinners == 0) { // one spinner at most: the others leave their carriers free
                    spun = true;
                    spinners++;
                    lock.unlock();
                    try {
                        spin();
                    } finally {
                        lock.lock();
                        spinners--;
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
                spun = true;
                if (self.parked) { // nobody woke it: a timeout or a spurious return
                    if (extra && workers > parallelism && ready.isEmpty()) {
                        idle.remove(self);
                        self.parked = false;
                        return exit(self);
                    }
                    idle.remove(self);
                    self.parked = false;
                } else {
                    spun = false; // woken for a lane: may spin again if it finds none
                }
            }
        } finally {
            lock.unlock();
        }
    }

    private void spin() {
        long until = System.nanoTime() + SPIN_NANOS;
        while (readyCount == 0) {
            for (int i = 0; i < 32; i++) {
                Thread.onSpinWait();
            }
            if (System.nanoTime() - until > 0) {
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

    /**
     * The monitor: while lanes wait and no worker is free, checks every period whether a worker
     * should be added (the running ones are all parked inside handlers, or none is alive).
     */
    private void monitor() {
        lock.lock();
        try {
            while (!closed) {
                boolean stalled = !ready.isEmpty() && idle.isEmpty() && spinners == 0 && started;
                if (!stalled) {
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
                lock.unlock();
                try {
                    LockSupport.parkNanos(this, MONITOR_PERIOD_NANOS);
                } finally {
                    lock.lock();
                }
                if (Thread.currentThread().isInterrupted()) {
                    return;
                }
                if (!closed && !ready.isEmpty() && idle.isEmpty() && spinners == 0
                        && (workers == 0 || runningWorkers() < parallelism)) {
                    workers++;
                    lock.unlock();
                    try {
                        startWorker();
                    } finally {
                        lock.lock();
                    }
                }
            }
        } finally {
            lock.unlock();
        }
    }

    /** One worker thread: takes ready lanes and runs them until the pool closes or it is no longer needed. */
    private final class Worker implements Runnable {
        /** Set once started; read by {@link #runningWorkers()}. */
        volatile @Nullable Thread thread;
        /** True while it waits in the idle stack and nobody has woken it; guarded by the pool's lock. */
        boolean parked;
        private final LaneRunner runner = new LaneRunner(bus, batchSize);

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
