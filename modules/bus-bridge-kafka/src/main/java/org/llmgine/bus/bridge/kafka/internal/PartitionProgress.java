package org.llmgine.bus.bridge.kafka.internal;

import java.util.ArrayDeque;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The records of one assigned partition between fetch and commit: which offsets were handed out,
 * which are done, and the offset that may be committed, the first one not done (Kafka commits the
 * next offset to read). A record done out of order waits for the ones before it, so a commit never
 * skips a record still in flight. Thread-safe: records are fetched on the poll thread and done on
 * any thread.
 */
public final class PartitionProgress {

    private final ReentrantLock lock = new ReentrantLock();
    private final ArrayDeque<Long> outstanding = new ArrayDeque<>();
    private final Set<Long> done = new HashSet<>();
    private long committable;
    private long committed;

    /**
     * Starts at the position the partition was assigned at.
     *
     * @param position the next offset to fetch
     */
    public PartitionProgress(long position) {
        this.committable = position;
        this.committed = position;
    }

    /**
     * Records a fetched offset (fetched in increasing order).
     *
     * @param offset the record's offset
     */
    public void fetched(long offset) {
        lock.lock();
        try {
            if (outstanding.isEmpty()) {
                committable = offset; // a gap (compaction, transaction markers) is not ours to wait for
            }
            outstanding.addLast(offset);
        } finally {
            lock.unlock();
        }
    }

    /**
     * Marks an offset done; moves the committable position over every done offset at the front.
     *
     * @param offset the record's offset
     */
    public void done(long offset) {
        lock.lock();
        try {
            // fetched offsets increase, and a done offset was fetched: inside [first, last] means
            // outstanding (O(1), where contains() walked the whole deque per done record)
            if (outstanding.isEmpty() || offset < outstanding.peekFirst() || offset > outstanding.peekLast()
                    || done.contains(offset)) {
                return; // done twice, or from before a rebalance
            }
            done.add(offset);
            while (!outstanding.isEmpty() && done.remove(outstanding.peekFirst())) {
                committable = outstanding.pollFirst() + 1;
            }
            if (!outstanding.isEmpty()) {
                committable = outstanding.peekFirst();
            }
        } finally {
            lock.unlock();
        }
    }

    /**
     * Returns the offset to commit if it moved since the last commit, else -1.
     *
     * @return the next offset to read, or -1
     */
    public long toCommit() {
        lock.lock();
        try {
            return committable > committed ? committable : -1;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Records that {@code offset} was committed.
     *
     * @param offset the committed offset
     */
    public void committed(long offset) {
        lock.lock();
        try {
            committed = Math.max(committed, offset);
        } finally {
            lock.unlock();
        }
    }
}
