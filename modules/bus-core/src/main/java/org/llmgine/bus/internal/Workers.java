package org.llmgine.bus.internal;

import java.lang.System.Logger.Level;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;
import org.jspecify.annotations.Nullable;

/**
 * The dispatcher: lanes with work wait in a {@link ReadyQueue}, and a small set of long-lived
 * worker virtual threads take them, run a batch of each and move on. A burst of events, or a lane
 * that runs dry between two events, costs no thread start: workers stay alive and park when nothing
 * is ready.
 *
 * <p>A publisher queues a lane without a lock and wakes nobody while a worker spins for work or is
 * busy (a busy worker takes the next lane when its batch ends). Only when no worker is busy or
 * spinning does it take the pool's lock to wake an idle worker or start one. Waking a parked worker
 * costs the publisher a futex call, so the common cases avoid it.
 *
 * <p>Spinning: at most one worker at a time spins instead of parking, for {@link #SPIN_NANOS}
 * (whoever holds the <em>spin token</em>): either the worker that just emptied its lane, lingering
 * on it for the next event (see {@link LaneRunner}), or an idle worker watching the ready queue.
 * One at most, because on a machine with few cores every spinning worker takes a core that a
 * publisher or another worker needs.
 *
 * <p>More workers: the {@link WorkerMonitor} adds a worker when the busy ones are stuck in handlers
 * (an LLM call, a tool call) or too few for a backlog, so a slow handler in one session never stalls
 * the others for longer than a period or two; it also replaces a worker whose start failed. At most
 * {@code parallelism} workers (the virtual-thread scheduler's carriers) run while none is stuck.
 * Workers beyond {@code parallelism} exit after {@link #KEEP_ALIVE_NANOS} without work. These are
 * scheduling heuristics on real time, not semantics, so they do not use the bus's clock.
 *
 * <p>Concurrency: {@code lock} guards the consumer side of the ready queue (one worker takes at a
 * time), the idle stack, the worker list and counts, each worker's {@code parked}, {@code serving}
 * and {@code seen}, and the monitor's state; producers add to the queue without it. {@code busyCount},
 * {@code spinning} (the spin token, taken by compare-and-set), {@code started} and {@code closed}
 * are volatile for lock-free reads. A producer adds (the tail exchange, a full fence) before it
 * reads {@code closed}, {@code spinning} and {@code busyCount}; a worker writes them before it looks
 * at the queue, whose emptiness the tail decides (see {@link ReadyQueue}): so either the producer
 * sees someone who will take the lane, or that worker sees the lane. After close, a producer that
 * added a lane drains the queue itself. The pool's lock is the innermost lock: whoever holds it
 * takes no other (a DROP_OLDEST publisher may hold its bus's eviction lock while it schedules a
 * lane); threads are started and unparked after it is released. ReentrantLock, so a waiting
 * virtual thread does not pin its carrier.
 */
final class Workers {

    private static final System.Logger LOG = System.getLogger("org.llmgine.bus");
    /** How long an idle worker beyond {@code parallelism} waits for work before it exits. */
    static final long KEEP_ALIVE_NANOS = 1_000_000_000L;
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
    private final ReadyQueue ready;
    private final ArrayDeque<Worker> idle = new ArrayDeque<>();
    private final List<Worker> all = new ArrayList<>();
    @SuppressWarnings("unused") // accessed through SPINNING
    private volatile boolean spinning;
    private volatile boolean started;
    private volatile boolean closed;
    /** Workers holding a lane; written under the lock, read without it by publishers. */
    private volatile int busyCount;
    private int workers;
    private int workerSeq;
    private final WorkerMonitor monitor;

    Workers(DefaultMessageBus bus, int batchSize, int starvationLimit) {
        this.bus = bus;
        this.batchSize = batchSize;
        this.ready = new ReadyQueue(starvationLimit);
        this.parallelism = parallelism();
        this.monitor = new WorkerMonitor(this);
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
     * Queues a scheduled lane (a publisher added to it while idle, or its worker puts it back with
     * more to do), at the level and age already set on it, and makes sure a worker will take it.
     * After close, the lane is retired instead (its events are returned).
     */
    void schedule(Lane lane) {
        ready.add(lane);
        if (closed) {
            drainClosed();
            return;
        }
        if (!started || spinning || busyCount > 0) {
            return; // nobody to wake: not started, or someone spins or is busy and will take it
        }
        Object wake = null;
        lock.lock();
        try {
            if (!closed && !spinning && busyCount == 0 && ready.hasWaiting()) {
                wake = anotherWorker();
                monitor.signalLocked();
            }
        } finally {
            lock.unlock();
        }
        wake(wake);
    }

    /** Tells, without the lock, whether lanes wait for a worker. */
    boolean othersReady() {
        return ready.hasWaiting();
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
        return null;
    }

    /** Carries out a decision of {@link #anotherWorker}, outside every lock. */
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
                monitor.signalLocked(); // it retries
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
     * take them); unless the caller polls the ready queue next or is itself counted busy (a worker
     * that lingered and goes on with its lane takes them when that batch ends, or the monitor adds
     * a worker if the batch is slow), make sure a worker takes them.
     */
    void stopSpinning(boolean pollsNext) {
        spinning = false;
        if (!pollsNext && ready.hasWaiting() && busyCount == 0) {
            Object wake = null;
            lock.lock();
            try {
                if (!spinning && busyCount == 0 && ready.hasWaiting()) {
                    wake = anotherWorker();
                    monitor.signalLocked();
                }
            } finally {
                lock.unlock();
            }
            wake(wake);
        }
    }

    // ---------------------------------------------------------------- lifecycle

    /** Starts dispatching: the monitor, and a worker for lanes that became ready before start. */
    void start() {
        Object wake;
        lock.lock();
        try {
            started = true;
            wake = ready.hasWaiting() ? anotherWorker() : null;
        } finally {
            lock.unlock();
        }
        try {
            bus.threads().startTracked("dispatcher", monitor);
        } catch (Throwable t) {
            // Workers still start on demand; only the backstop for stalled lanes is missing.
            LOG.log(Level.ERROR, "bus '" + bus.name() + "' could not start its dispatcher monitor; lanes whose"
                    + " workers all block in handlers wait for those handlers", t);
        }
        wake(wake);
    }

    /**
     * Stops taking lanes: returns the lanes still queued (the caller retires them: their
     * deliveries never ran), and tells idle workers and the monitor to exit. Workers holding a lane
     * finish their batch first (or stop early if the bus is cancelling), then exit; a lane queued
     * after this is retired by whoever queued it.
     */
    List<Lane> close() {
        List<Lane> queued = new ArrayList<>();
        List<Worker> sleepers;
        lock.lock();
        try {
            closed = true;
            for (Lane lane = ready.poll(); lane != null; lane = ready.poll()) {
                queued.add(lane);
            }
            sleepers = new ArrayList<>(idle);
            idle.clear();
            for (Worker worker : sleepers) {
                worker.parked = false;
            }
            monitor.signalLocked();
        } finally {
            lock.unlock();
        }
        for (Worker worker : sleepers) {
            LockSupport.unpark(worker.thread);
        }
        return queued;
    }

    /** A lane was queued after close: retire everything still queued (its events are returned). */
    private void drainClosed() {
        List<Lane> queued = new ArrayList<>();
        lock.lock();
        try {
            for (Lane lane = ready.poll(); lane != null; lane = ready.poll()) {
                queued.add(lane);
            }
        } finally {
            lock.unlock();
        }
        for (Lane lane : queued) {
            lane.retire();
        }
    }

    // ---------------------------------------------------------------- workers

    /** The next lane for a worker: spins (with the token) or parks while none is ready; null once it should exit. */
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
                    if (!self.serving) {
                        self.serving = true;
                        busyCount++;
                        if (busyCount == 1) {
                            monitor.signalLocked();
                        }
                    }
                    return lane;
                }
                if (!spun && startSpinning()) {
                    // Publishers wake nobody while a worker spins or is busy. Holding the token
                    // first, this worker stops counting busy, spins, and counts busy again for a
                    // lane it found before it lets the token go: publishers never see a moment with
                    // neither (they would take the pool lock and wake a second worker for nothing).
                    spun = true;
                    Lane found = null;
                    try {
                        if (self.serving) {
                            self.serving = false;
                            busyCount--;
                        }
                        lock.unlock();
                        try {
                            spinForReady();
                        } finally {
                            lock.lock();
                        }
                        found = closed ? null : ready.poll();
                        if (found != null) {
                            self.serving = true;
                            busyCount++;
                            if (busyCount == 1) {
                                monitor.signalLocked();
                            }
                        }
                    } finally {
                        spinning = false; // without a lane, the loop polls once more before parking
                    }
                    if (found != null) {
                        return found;
                    }
                    continue;
                }
                if (self.serving) {
                    // Still counted busy until now, so publishers left this lane-less moment to it;
                    // having stopped counting, look once more before parking.
                    self.serving = false;
                    busyCount--;
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
                    if (extra && workers > parallelism && !ready.hasWaiting()) {
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

    /** Watches the ready queue for up to {@link #SPIN_NANOS}, about once a microsecond (see {@link LaneRunner}). */
    private void spinForReady() {
        long now = System.nanoTime();
        long until = now + SPIN_NANOS;
        while (!ready.hasWaiting()) {
            now = pauseOneLook(now);
            if (now - until > 0) {
                return;
            }
        }
    }

    /**
     * Spins until one {@link LaneRunner#LOOK_NANOS} after {@code now}, the gap between two looks of a
     * spinning worker; returns the time it stopped.
     */
    static long pauseOneLook(long now) {
        long next = now + LaneRunner.LOOK_NANOS;
        long t;
        do {
            Thread.onSpinWait();
            t = System.nanoTime();
        } while (t - next < 0);
        return t;
    }

    private @Nullable Lane exit(Worker self) {
        if (self.serving) {
            self.serving = false;
            busyCount--;
        }
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
                busyCount--;
            }
            idle.remove(self);
            if (all.remove(self)) {
                workers--;
            }
        } finally {
            lock.unlock();
        }
    }

    // ---------------------------------------------------------------- for the monitor (lock held)

    /** The pool's lock, which the monitor's waits and looks run under. */
    ReentrantLock lock() {
        return lock;
    }

    /** Tells whether the pool closed (lock held). */
    boolean closedLocked() {
        return closed;
    }

    /** Tells whether any worker is busy or a lane waits, so the monitor must keep looking (lock held). */
    boolean activeLocked() {
        return busyCount > 0 || ready.hasWaiting();
    }

    /** Tells whether a lane waits (lock held). */
    boolean lanesWaitingLocked() {
        return ready.hasWaiting();
    }

    /** Remembers each worker's progress, for {@link #progressingLocked()} at the next look (lock held). */
    void markProgressLocked() {
        for (Worker worker : all) {
            worker.seen = worker.runner.progress();
        }
    }

    /** Counts the busy workers that handled an event since the last {@link #markProgressLocked()} (lock held). */
    int progressingLocked() {
        int moving = 0;
        for (Worker worker : all) {
            if (worker.serving && worker.runner.progress() != worker.seen) {
                moving++;
            }
        }
        return moving;
    }

    /**
     * Decides, for the monitor, whether another worker is needed now that {@code first} is the
     * oldest waiting lane and {@code waitedAPeriod} tells whether it already was at the last look
     * (lock held): nobody busy or no worker at all means nobody is coming for it; a lane that waited
     * a whole period while fewer busy workers progressed than there are carriers means they are
     * stuck in handlers or too few for the backlog, and then a worker is added even beyond
     * {@code parallelism} if none is idle.
     *
     * @return the wake-up to pass to {@link #wakeUp}, or null
     */
    @Nullable Object moreWorkersLocked(Lane first, boolean waitedAPeriod) {
        if (spinning) {
            return null;
        }
        if (workers == 0 || busyCount == 0) {
            return anotherWorker();
        }
        if (!waitedAPeriod || progressingLocked() >= parallelism) {
            return null;
        }
        Object wake = anotherWorker();
        if (wake == null && idle.isEmpty()) {
            workers++;
            wake = START;
        }
        return wake;
    }

    /** The oldest waiting lane, without taking it (lock held). */
    @Nullable Lane firstWaitingLocked() {
        return ready.peekLane();
    }

    /** Carries out a decision of {@link #moreWorkersLocked}, outside the lock. */
    void wakeUp(@Nullable Object decision) {
        wake(decision);
    }

    /** One worker thread: takes ready lanes and runs them until the pool closes or it is no longer needed. */
    private final class Worker implements Runnable {
        /** Set once started; read by wakers. */
        volatile @Nullable Thread thread;
        /** True while it waits in the idle stack and nobody has woken it; guarded by the pool's lock. */
        boolean parked;
        /** Whether it holds a lane (counted in {@code busyCount}); guarded by the pool's lock. */
        boolean serving;
        /** The monitor's last look at {@code runner.progress()}; guarded by the pool's lock. */
        long seen;
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
