package org.llmgine.bus.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantLock;
import org.jspecify.annotations.Nullable;

/**
 * The mailbox of one scope (a session, or the bus scope) and its drainer. At most one drainer
 * virtual thread runs per lane, handling one event at a time, so the events of one session never
 * run concurrently, while lanes run in parallel. The mailbox is ordered like the central queue:
 * by priority level, FIFO within a level, with the starvation guard ({@link PriorityBuckets}). So
 * within a session a more urgent event overtakes less urgent ones that were not yet taken, and
 * events of one session and priority keep their acceptance order. A drainer is started when a
 * delivery arrives at an idle lane and exits when the mailbox is empty, so an idle session holds
 * no thread.
 *
 * <p>Concurrency: {@code lock} guards {@code mailbox} and {@code draining}; the dispatcher adds
 * under it and the drainer takes under it. {@code draining} is set by the adder that finds the lane
 * idle (which then starts the drainer) and cleared by the drainer when it finds the mailbox empty,
 * both under the lock, so no delivery is left without a drainer and no two drainers take from one
 * lane. {@code batch} is used only by the current drainer. {@code unfinished} and {@code closing}
 * are guarded by the {@link EventQueue}'s lock, not by this one.
 */
final class Lane {

    final DefaultMessageBus bus;
    final @Nullable SessionImpl session;
    final @Nullable String sessionId;
    final String label;
    private final ReentrantLock lock = new ReentrantLock();
    private final PriorityBuckets mailbox;
    private boolean draining;
    private final Delivery[] batch;
    /** Accepted, unfinished events of this lane; guarded by the EventQueue's lock. */
    int unfinished;
    /** Set when the lane's session begins closing; guarded by the EventQueue's lock. */
    boolean closing;
    /** Commands running in this lane's scope; a session waits for them before it closes. */
    final AtomicInteger runningCommands = new AtomicInteger();
    /** Whether deliveries can be evicted (DROP_OLDEST); only then do they need claiming and checking. */
    private final boolean evictable;

    Lane(DefaultMessageBus bus, @Nullable SessionImpl session, int batchSize, int starvationLimit) {
        this(bus, session, session == null ? null : session.id(), batchSize, starvationLimit);
    }

    private Lane(DefaultMessageBus bus, @Nullable SessionImpl session, @Nullable String sessionId, int batchSize,
            int starvationLimit) {
        this.bus = bus;
        this.session = session;
        this.sessionId = sessionId;
        this.label = sessionId == null ? "bus-scope" : "session-" + sessionId;
        this.batch = new Delivery[batchSize];
        this.mailbox = new PriorityBuckets(starvationLimit);
        this.evictable = bus.config().overflowStrategy() == org.llmgine.bus.OverflowStrategy.DROP_OLDEST;
    }

    private boolean dropped(Delivery delivery) {
        return evictable && delivery.isDropped();
    }

    /** Claims a delivery for its handlers; false if it was evicted first (DROP_OLDEST only). */
    private boolean claim(Delivery delivery) {
        return !evictable || delivery.start();
    }

    /**
     * A lane for a session id with no open session (scheduled events restored after a restart): its
     * events carry the session id, and only bus-scope handlers see them.
     */
    static Lane detached(DefaultMessageBus bus, String sessionId) {
        return new Lane(bus, null, sessionId, bus.config().batchSize(), bus.config().starvationLimit());
    }

    /** Returns the handler plan of an event class in this lane's scope. */
    Plan plan(Class<?> eventType) {
        return session == null ? bus.busPlan(eventType) : session.plan(eventType);
    }

    /**
     * Adds deliveries {@code from} (inclusive) to {@code to} (exclusive), skipping any evicted on
     * their way here; called by the dispatcher.
     */
    void addAll(Delivery[] deliveries, int from, int to) {
        boolean start;
        lock.lock();
        try {
            for (int i = from; i < to; i++) {
                if (!dropped(deliveries[i])) {
                    mailbox.add(deliveries[i]);
                }
            }
            if (mailbox.isEmpty()) {
                return;
            }
            start = !draining;
            draining = true;
        } finally {
            lock.unlock();
        }
        if (start) {
            bus.threads().startDrainer(this, this::drain);
        }
    }

    /** Removes an evicted delivery if it waits at the head of its level here (called under the queue's lock). */
    void removeIfWaiting(Delivery delivery) {
        lock.lock();
        try {
            mailbox.removeIfHead(delivery);
        } finally {
            lock.unlock();
        }
    }

    /** The number of deliveries waiting in the mailbox (not yet taken). */
    int waitingCount() {
        lock.lock();
        try {
            return mailbox.size();
        } finally {
            lock.unlock();
        }
    }

    private int takeBatch() {
        lock.lock();
        try {
            int n = 0;
            while (n < batch.length) {
                Delivery next = mailbox.poll();
                if (next == null) {
                    break;
                }
                batch[n++] = next;
            }
            if (n == 0) {
                draining = false;
            }
            return n;
        } finally {
            lock.unlock();
        }
    }

    private List<Delivery> takeAll() {
        lock.lock();
        try {
            List<Delivery> all = mailbox.removeAll();
            draining = false;
            return all;
        } finally {
            lock.unlock();
        }
    }

    /**
     * The drainer: runs deliveries in order until the mailbox is empty or the bus cancels. A
     * delivery evicted while it waited (DROP_OLDEST) is skipped: its slot was freed when it was
     * evicted. A delivery's slot is freed (and its waiter told) once its handlers finished: right
     * after it when someone waits (a publishAndWait caller, a blocked publisher, awaitIdle) or under
     * DROP_OLDEST, else once per batch, so the uncontended path takes the queue's lock once per batch.
     */
    private void drain() {
        Binding.enterLane(bus, this);
        EventDispatch dispatch = bus.dispatch();
        EventQueue queue = bus.queue();
        boolean settleEach = queue.settlesEveryEvent();
        while (true) {
            int n = takeBatch();
            if (n == 0) {
                return;
            }
            int settled = 0;
            int next = 0;
            boolean cut = false;
            while (next < n && !bus.isCancelling()) {
                Delivery delivery = batch[next++];
                if (!claim(delivery)) {
                    continue; // dropped while it waited
                }
                if (!dispatch.deliver(delivery)) {
                    cut = true;
                    break;
                }
                if (settleEach || delivery.waiter != null || queue.hasWaiters()) {
                    settle(dispatch, queue, settled, next, false);
                    settled = next;
                }
            }
            settle(dispatch, queue, settled, next, cut);
            boolean cancelling = bus.isCancelling();
            if (next < n || cancelling) {
                var undelivered = new ArrayList<Delivery>();
                for (int i = next; i < n; i++) {
                    if (!dropped(batch[i])) {
                        undelivered.add(batch[i]);
                    }
                }
                if (cancelling) {
                    for (Delivery delivery : takeAll()) {
                        if (!dropped(delivery)) {
                            undelivered.add(delivery);
                        }
                    }
                }
                if (!undelivered.isEmpty()) {
                    Delivery[] handed = undelivered.toArray(Delivery[]::new);
                    queue.finish(this, 0, 0, handed.length, handed, 0, handed.length);
                    bus.handBack(undelivered);
                }
            }
            java.util.Arrays.fill(batch, 0, n, null);
            if (cancelling) {
                return;
            }
        }
    }

    /**
     * Frees the slots of the deliveries in {@code batch[from..to)} that ran (skipping dropped ones,
     * whose slots were freed at eviction), then completes their waiters; the last one that ran was
     * cut short by close if {@code lastCut}.
     */
    private void settle(EventDispatch dispatch, EventQueue queue, int from, int to, boolean lastCut) {
        int ran = 0;
        for (int i = from; i < to; i++) {
            if (!dropped(batch[i])) {
                ran++;
            }
        }
        if (ran == 0) {
            return;
        }
        int cutCount = lastCut ? 1 : 0;
        int size = queue.finish(this, ran - cutCount, cutCount, 0, batch, from, to);
        for (int i = from; i < to; i++) {
            if (!dropped(batch[i])) {
                dispatch.settled(batch[i], lastCut && i == to - 1, size);
            }
        }
    }

    @Override
    public String toString() {
        return "lane " + label;
    }
}
