package org.llmgine.bus.bridge.internal;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.llmgine.bus.bridge.spi.OutboundMessage;
import org.llmgine.bus.bridge.spi.OutboundStore;
import org.llmgine.bus.message.MessageId;

/**
 * The default outbound store: a bounded FIFO in memory, with the failed sends kept ahead of it
 * until their retry time. Lost with the process (at-least-once only while it lives); a message that
 * finds it full is refused, and the bridge counts and logs the overflow. Claims and leases mean
 * nothing here: one sender reads it.
 */
public final class MemoryOutboundStore implements OutboundStore {

    private record Retry(OutboundMessage message, Instant at) {
    }

    private final ReentrantLock lock = new ReentrantLock();
    private final Condition added = lock.newCondition();
    private final ArrayDeque<OutboundMessage> queue = new ArrayDeque<>();
    private final ArrayDeque<Retry> retries = new ArrayDeque<>();
    private final int capacity;
    private final int maxAttempts;

    /**
     * Creates the store.
     *
     * @param capacity how many messages it holds at most, waiting and retrying together
     * @param maxAttempts how many sends a message gets before it is abandoned (counted, logged)
     */
    public MemoryOutboundStore(int capacity, int maxAttempts) {
        if (capacity < 1) {
            throw new IllegalArgumentException("the outbound buffer's capacity must be at least 1, but was " + capacity);
        }
        if (maxAttempts < 1) {
            throw new IllegalArgumentException("maxAttempts must be at least 1, but was " + maxAttempts);
        }
        this.capacity = capacity;
        this.maxAttempts = maxAttempts;
    }

    @Override
    public boolean add(OutboundMessage message) {
        lock.lock();
        try {
            if (queue.size() + retries.size() >= capacity) {
                return false;
            }
            queue.addLast(message);
            added.signal();
            return true;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public List<OutboundMessage> claim(UUID owner, Instant now, Instant until, int limit, Duration wait)
            throws InterruptedException {
        lock.lock();
        try {
            long left = wait.toNanos();
            while (queue.isEmpty() && !retryDue(now) && left > 0) {
                left = added.awaitNanos(left);
            }
            List<OutboundMessage> out = new ArrayList<>();
            while (out.size() < limit && retryDue(now)) {
                out.add(retries.pollFirst().message());
            }
            while (out.size() < limit && !queue.isEmpty()) {
                out.add(queue.pollFirst());
            }
            return out;
        } finally {
            lock.unlock();
        }
    }

    private boolean retryDue(Instant now) {
        Retry first = retries.peekFirst();
        return first != null && !first.at().isAfter(now);
    }

    @Override
    public void completed(List<MessageId> ids) {
        // nothing kept once claimed
    }

    @Override
    public boolean failed(OutboundMessage message, UUID owner, String error, Instant retryAt) {
        lock.lock();
        try {
            if (message.attempts() + 1 >= maxAttempts) {
                return true; // the bridge counts and logs it
            }
            retries.addLast(new Retry(new OutboundMessage(message.id(), message.event(), message.sessionId(),
                    message.headers(), message.topic(), message.key(), message.attempts() + 1), retryAt));
            added.signal();
            return false;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Returns how many messages wait, retries included.
     *
     * @return the count
     */
    public int size() {
        lock.lock();
        try {
            return queue.size() + retries.size();
        } finally {
            lock.unlock();
        }
    }

    /** Waits up to {@code timeout} until nothing waits; for close. */
    boolean awaitEmpty(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (size() > 0) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            TimeUnit.MILLISECONDS.sleep(1);
        }
        return true;
    }

    @Override
    public boolean durable() {
        return false;
    }

    @Override
    public String toString() {
        return "memory-outbound[capacity=" + capacity + "]";
    }
}
