package org.llmgine.bus.internal;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.locks.ReentrantLock;
import org.jspecify.annotations.Nullable;

/**
 * The mailbox of one scope (a session, or the bus scope) and its drainer. At most one drainer
 * virtual thread runs per lane, taking deliveries in acceptance order, so events of one session are
 * handled one after another (FIFO), while lanes run in parallel. A drainer is started when a
 * delivery arrives at an idle lane and exits when the mailbox is empty, so an idle session holds no
 * thread.
 *
 * <p>Concurrency: {@code lock} guards {@code mailbox} and {@code draining}; the dispatcher adds
 * under it and the drainer takes under it. {@code draining} is set by the adder that finds the lane
 * idle (which then starts the drainer) and cleared by the drainer when it finds the mailbox empty,
 * both under the lock, so no delivery is left without a drainer and no two drainers take from one
 * lane. {@code batch} is used only by the current drainer. {@code unfinished} is guarded by the
 * {@link EventQueue}'s lock, not by this one.
 */
final class Lane {

    final DefaultMessageBus bus;
    final @Nullable SessionImpl session;
    final @Nullable String sessionId;
    final String label;
    private final ReentrantLock lock = new ReentrantLock();
    private final ArrayDeque<Delivery> mailbox = new ArrayDeque<>();
    private boolean draining;
    private final Delivery[] batch;
    /** Accepted, unfinished events of this lane; guarded by the EventQueue's lock. */
    int unfinished;

    Lane(DefaultMessageBus bus, @Nullable SessionImpl session, int batchSize) {
        this.bus = bus;
        this.session = session;
        this.sessionId = session == null ? null : session.id();
        this.label = session == null ? "bus" : session.id();
        this.batch = new Delivery[batchSize];
    }

    /** Returns the handler plan of an event class in this lane's scope. */
    Plan plan(Class<?> eventType) {
        return session == null ? bus.busPlan(eventType) : session.plan(eventType);
    }

    /** Adds deliveries {@code from} (inclusive) to {@code to} (exclusive); called by the dispatcher. */
    void addAll(Delivery[] deliveries, int from, int to) {
        boolean start;
        lock.lock();
        try {
            for (int i = from; i < to; i++) {
                mailbox.addLast(deliveries[i]);
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

    private int takeBatch() {
        lock.lock();
        try {
            int n = 0;
            while (n < batch.length) {
                Delivery next = mailbox.pollFirst();
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
            var all = new ArrayList<>(mailbox);
            mailbox.clear();
            draining = false;
            return all;
        } finally {
            lock.unlock();
        }
    }

    /** The drainer: runs deliveries in order until the mailbox is empty or the bus cancels. */
    private void drain() {
        Binding.enterLane(bus, this);
        EventDispatch dispatch = bus.dispatch();
        while (true) {
            int n = takeBatch();
            if (n == 0) {
                return;
            }
            int done = 0;
            int cut = 0;
            int next = 0;
            while (next < n && !bus.isCancelling()) {
                if (dispatch.deliver(batch[next++])) {
                    done++;
                } else {
                    cut++;
                    break;
                }
            }
            boolean cancelling = bus.isCancelling();
            List<Delivery> undelivered = List.of();
            if (next < n || cancelling) {
                undelivered = new ArrayList<>(Arrays.asList(batch).subList(next, n));
                if (cancelling) {
                    undelivered.addAll(takeAll());
                }
            }
            int size = bus.queue().finish(this, done, cut, undelivered.size());
            dispatch.delivered(batch, done, size);
            Arrays.fill(batch, 0, n, null);
            if (!undelivered.isEmpty()) {
                bus.handBack(undelivered);
            }
            if (cancelling) {
                return;
            }
        }
    }

    @Override
    public String toString() {
        return "lane " + label;
    }
}
