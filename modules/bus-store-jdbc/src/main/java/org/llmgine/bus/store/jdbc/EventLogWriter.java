package org.llmgine.bus.store.jdbc;

import java.lang.System.Logger.Level;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.jspecify.annotations.Nullable;
import org.llmgine.bus.codec.CodecException;
import org.llmgine.bus.codec.Encoded;
import org.llmgine.bus.codec.MessageCodec;
import org.llmgine.bus.message.Event;
import org.llmgine.bus.message.Headers;
import org.llmgine.bus.message.MessageId;

/**
 * The writing half of a {@link JdbcEventLog}: the bounded buffer the publisher's thread offers to,
 * the virtual thread that writes it in batches (trying a refused batch again until the bus closes),
 * and the books of every event offered.
 */
final class EventLogWriter {

    private static final System.Logger LOG = System.getLogger("org.llmgine.bus.store.jdbc");
    private static final long DROP_LOG_NANOS = TimeUnit.SECONDS.toNanos(10);

    /** An accepted event waiting in the buffer. */
    record Pending(MessageId id, Event event, @Nullable String sessionId, Headers headers, int priority,
            Instant acceptedAt) {
    }

    private final Jdbc jdbc;
    private final MessageCodec codec;
    private final String table;
    private final String busName;
    private final int batchSize;
    private final int capacity;
    private final ArrayBlockingQueue<Pending> buffer;
    private final LongAdder offered = new LongAdder();
    private final LongAdder written = new LongAdder();
    private final LongAdder dropped = new LongAdder();
    private final LongAdder failed = new LongAdder();
    private final LongAdder unregistered = new LongAdder();
    private final LongAdder refused = new LongAdder();
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition progress = lock.newCondition();
    private final Condition wakeup = lock.newCondition();
    /** Events of a refused batch, waiting to be tried again. */
    private volatile int retrying;
    private volatile boolean closing;
    private final Thread thread;
    private long lastDropLog = System.nanoTime() - DROP_LOG_NANOS;
    private long droppedSinceLog;

    /** Starts the writer of a bus's log. */
    EventLogWriter(Jdbc jdbc, MessageCodec codec, String table, String busName, int capacity, int batchSize) {
        this.jdbc = jdbc;
        this.codec = codec;
        this.table = table;
        this.busName = busName;
        this.capacity = capacity;
        this.batchSize = batchSize;
        this.buffer = new ArrayBlockingQueue<>(capacity);
        this.thread = Thread.ofVirtual().name("llmgine-event-log-" + busName).start(this::writeLoop);
    }

    /** Offers an event (on the publisher's thread); counts it as dropped if the buffer is full. */
    void offer(Pending pending) {
        if (closing) {
            return;
        }
        offered.increment();
        if (!buffer.offer(pending)) {
            dropped.increment();
            noteDrop();
        }
    }

    private void noteDrop() {
        long now = System.nanoTime();
        long count;
        lock.lock();
        try {
            droppedSinceLog++;
            if (now - lastDropLog < DROP_LOG_NANOS) {
                return;
            }
            lastDropLog = now;
            count = droppedSinceLog;
            droppedSinceLog = 0;
        } finally {
            lock.unlock();
        }
        LOG.log(Level.WARNING, "event log of bus '" + busName + "': buffer full (capacity " + capacity + "), " + count
                + " events not logged since the last report; " + dropped.sum() + " in all");
    }

    /** Writes what is buffered (a refused batch gets one last try), then stops the writer. */
    void close() {
        closing = true;
        lock.lock();
        try {
            wakeup.signalAll();
        } finally {
            lock.unlock();
        }
        try {
            if (!thread.join(Duration.ofSeconds(30))) {
                LOG.log(Level.ERROR, "event log of bus '" + busName + "': the writer did not finish within 30 s; "
                        + buffer.size() + " events still buffered");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static final long FIRST_RETRY_NANOS = TimeUnit.MILLISECONDS.toNanos(100);
    private static final long MAX_RETRY_NANOS = TimeUnit.SECONDS.toNanos(5);

    private void writeLoop() {
        List<Pending> batch = new ArrayList<>(batchSize);
        while (true) {
            Pending first;
            try {
                first = buffer.poll(50, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                first = null;
                closing = true;
            }
            if (first == null) {
                if (closing && buffer.isEmpty()) {
                    return;
                }
                continue;
            }
            batch.add(first);
            buffer.drainTo(batch, batchSize - 1);
            writeUntilDone(batch);
            batch.clear();
        }
    }

    /**
     * Writes a batch, trying again after a growing pause while the database refuses it; gives it up
     * only when the bus closes with the database still refusing.
     */
    private void writeUntilDone(List<Pending> batch) {
        SQLException last = write(batch);
        if (last == null) {
            return;
        }
        String bus = busName;
        LOG.log(Level.ERROR, "event log of bus '" + bus + "': a batch of " + batch.size() + " events could not be"
                + " written to " + table + "; kept and tried again", last);
        retrying = batch.size();
        long pause = FIRST_RETRY_NANOS;
        int attempts = 1;
        while (last != null) {
            if (!closing) {
                lock.lock();
                try {
                    wakeup.awaitNanos(pause);
                } catch (InterruptedException e) {
                    closing = true;
                } finally {
                    lock.unlock();
                }
            }
            boolean lastTry = closing;
            last = write(batch);
            attempts++;
            if (last != null && lastTry) {
                failed.add(batch.size());
                retrying = 0;
                LOG.log(Level.ERROR, "event log of bus '" + bus + "': the bus closed while " + table + " still refused"
                        + " a batch of " + batch.size() + " events after " + attempts + " attempts; they are not logged ("
                        + failed.sum() + " events failed in all)", last);
                signalProgress();
                return;
            }
            pause = Math.min(pause * 2, MAX_RETRY_NANOS);
        }
        retrying = 0;
        int tries = attempts;
        LOG.log(Level.INFO, () -> "event log of bus '" + bus + "': a batch of " + batch.size() + " events was written"
                + " after " + tries + " attempts");
    }

    /** Writes a batch in one transaction; returns what the database said if it refused. */
    private @Nullable SQLException write(List<Pending> batch) {
        String bus = busName;
        try {
            int unknown = jdbc.inTransaction(connection -> {
                int notRegistered = 0;
                try (PreparedStatement s = connection.prepareStatement("INSERT INTO " + table + " (" + JdbcEventLog.COLUMNS
                        + ", seq) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
                    for (Pending p : batch) {
                        String typeId;
                        String payload;
                        try {
                            Encoded encoded = codec.encode(p.event());
                            typeId = encoded.typeId();
                            payload = encoded.payload();
                        } catch (CodecException e) {
                            typeId = "unregistered:" + p.event().getClass().getName();
                            payload = null;
                            notRegistered++;
                        }
                        s.setString(1, p.id().toString());
                        s.setString(2, bus);
                        Jdbc.setNullable(s, 3, p.sessionId());
                        s.setString(4, typeId);
                        Jdbc.setNullable(s, 5, payload);
                        s.setString(6, codec.encodeHeaders(p.headers()));
                        s.setInt(7, p.priority());
                        s.setLong(8, Times.toNanos(p.acceptedAt()));
                        s.setLong(9, p.id().sequence());
                        s.addBatch();
                    }
                    s.executeBatch();
                }
                return notRegistered;
            });
            written.add(batch.size());
            unregistered.add(unknown);
            signalProgress();
            return null;
        } catch (SQLException e) {
            refused.increment();
            return e;
        }
    }

    private void signalProgress() {
        lock.lock();
        try {
            progress.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Waits until every event offered so far is written, dropped or failed.
     *
     * @param timeout how long to wait at most
     * @return true if nothing was left buffered or being written within the timeout
     * @throws InterruptedException if interrupted while waiting
     */
    boolean awaitWritten(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        lock.lock();
        try {
            while (written.sum() + dropped.sum() + failed.sum() < offered.sum()) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                progress.awaitNanos(Math.min(left, TimeUnit.MILLISECONDS.toNanos(50)));
            }
            return true;
        } finally {
            lock.unlock();
        }
    }

    /** The books of every event offered. */
    EventLogStats stats() {
        return new EventLogStats(offered.sum(), written.sum(), dropped.sum(), failed.sum(), unregistered.sum(),
                buffer.size() + retrying, refused.sum());
    }

}
