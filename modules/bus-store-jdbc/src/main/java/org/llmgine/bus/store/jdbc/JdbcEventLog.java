package org.llmgine.bus.store.jdbc;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.locks.ReentrantLock;
import org.jspecify.annotations.Nullable;
import org.llmgine.bus.CloseReport;
import org.llmgine.bus.MessageBus;
import org.llmgine.bus.codec.Decoded;
import org.llmgine.bus.codec.MessageCodec;
import org.llmgine.bus.message.Event;
import org.llmgine.bus.message.Headers;
import org.llmgine.bus.message.LifecycleEvent;
import org.llmgine.bus.message.Message;
import org.llmgine.bus.message.MessageId;
import org.llmgine.bus.spi.BusObserver;
import org.llmgine.bus.spi.MessageView;

/**
 * A log of every event a bus accepted, in a table: id, bus, session, type, payload, headers,
 * priority and acceptance time, queried by session (a conversation's history) or by time range.
 * Off unless added: {@code builder.addObserver(stores.eventLog().build())}. The publisher's thread
 * only puts the event in a bounded buffer; a virtual thread of the log writes batches in one
 * transaction each. When the buffer is full the event is not logged: counted in
 * {@link EventLogStats#dropped()} and logged at WARNING (the first, then one summary per 10 s).
 * A batch the database refuses is kept in memory and tried again (after 100 ms, doubling up to
 * 5 s; the first failure logged at ERROR, the recovery at INFO) while new events wait in the
 * buffer; only a batch still refused at the bus's close is given up, counted in
 * {@link EventLogStats#failed()} and logged at ERROR.
 * An event whose class the codec does not know is written without a payload, under type id
 * {@code unregistered:<class name>}. At the bus's close the log writes what is buffered, then
 * stops. One instance observes one bus.
 */
public final class JdbcEventLog implements BusObserver {

    /** The columns a log row is written and read with (the writer adds {@code seq}). */
    static final String COLUMNS = "id, bus_name, session_id, type_id, payload, headers, priority, accepted_at_ns";

    private final Jdbc jdbc;
    private final MessageCodec codec;
    private final String table;
    private final boolean lifecycle;
    private final int batchSize;
    private final int capacity;
    private final ReentrantLock lock = new ReentrantLock();
    private @Nullable MessageBus attached;
    private volatile @Nullable EventLogWriter writer;

    private JdbcEventLog(Builder b) {
        this.jdbc = b.jdbc;
        this.codec = b.codec;
        this.table = b.table;
        this.lifecycle = b.lifecycle;
        this.batchSize = b.batchSize;
        this.capacity = b.capacity;
    }

    /**
     * Starts the writer for the bus.
     *
     * @param bus the bus
     * @throws IllegalStateException if this log already observes another bus
     */
    @Override
    public void onAttach(MessageBus bus) {
        lock.lock();
        try {
            if (attached != null) {
                throw new IllegalStateException("this JdbcEventLog already logs bus '" + attached.name()
                        + "'; make one per bus (bus '" + bus.name() + "')");
            }
            attached = bus;
            writer = new EventLogWriter(jdbc, codec, table, bus.name(), capacity, batchSize);
        } finally {
            lock.unlock();
        }
    }

    /**
     * Buffers the accepted event for the writer, or counts it as dropped if the buffer is full.
     *
     * @param event the event's envelope
     * @param queueSize not used
     */
    @Override
    public void onAccepted(MessageView event, int queueSize) {
        Message message = event.message();
        EventLogWriter w = writer;
        if (w == null || !(message instanceof Event e) || (!lifecycle && message instanceof LifecycleEvent)) {
            return;
        }
        w.offer(new EventLogWriter.Pending(event.id(), e, event.sessionId(), event.headers(), event.priority(),
                event.acceptedAt()));
    }

    /** Never asks for queue sizes: the log does not read them. */
    @Override
    public boolean wantsQueueSizes() {
        return false;
    }

    /** Never asks for delivery times: the log does not read them. */
    @Override
    public boolean wantsDeliveryTimes() {
        return false;
    }

    /**
     * Writes what is buffered, then stops the writer.
     *
     * @param bus the bus
     * @param report its close report
     */
    @Override
    public void onClose(MessageBus bus, CloseReport report) {
        EventLogWriter w = writer;
        if (bus == attached && w != null) {
            w.close();
        }
    }

    /**
     * Waits until every event offered so far is written, dropped or failed.
     *
     * @param timeout how long to wait at most
     * @return true if nothing was left buffered or being written within the timeout (true before
     *     the log is attached to a bus: nothing was offered)
     * @throws InterruptedException if interrupted while waiting
     */
    public boolean awaitWritten(Duration timeout) throws InterruptedException {
        Objects.requireNonNull(timeout, "timeout");
        EventLogWriter w = writer;
        return w == null || w.awaitWritten(timeout);
    }

    /**
     * Returns the log's books.
     *
     * @return offered, written, dropped, failed, unregistered, buffered and refused-write counts
     */
    public EventLogStats stats() {
        EventLogWriter w = writer;
        return w == null ? new EventLogStats(0, 0, 0, 0, 0, 0, 0) : w.stats();
    }

    /**
     * Returns a session's logged events (of every bus on the table), oldest first.
     *
     * @param sessionId the session
     * @param limit at most this many, at least 1
     * @return the events
     * @throws SQLException if the table could not be read
     */
    public List<LoggedEvent> bySession(String sessionId, int limit) throws SQLException {
        Objects.requireNonNull(sessionId, "sessionId");
        checkLimit(limit);
        return jdbc.query("SELECT " + COLUMNS + " FROM " + table + " WHERE session_id = ? ORDER BY accepted_at_ns, seq,"
                + " id LIMIT ?", s -> {
                    s.setString(1, sessionId);
                    s.setInt(2, limit);
                }, this::read);
    }

    /**
     * Returns the events accepted from {@code from} (inclusive) to {@code to} (exclusive), oldest first.
     *
     * @param from the start
     * @param to the end, not before {@code from}
     * @param limit at most this many, at least 1
     * @return the events
     * @throws SQLException if the table could not be read
     * @throws IllegalArgumentException if {@code to} is before {@code from} or the limit below 1
     */
    public List<LoggedEvent> between(Instant from, Instant to, int limit) throws SQLException {
        Objects.requireNonNull(from, "from");
        Objects.requireNonNull(to, "to");
        if (to.isBefore(from)) {
            throw new IllegalArgumentException("to " + to + " is before from " + from);
        }
        checkLimit(limit);
        return jdbc.query("SELECT " + COLUMNS + " FROM " + table + " WHERE accepted_at_ns >= ? AND accepted_at_ns < ?"
                + " ORDER BY accepted_at_ns, seq, id LIMIT ?", s -> {
                    s.setLong(1, Times.toNanos(from));
                    s.setLong(2, Times.toNanos(to));
                    s.setInt(3, limit);
                }, this::read);
    }

    private static void checkLimit(int limit) {
        if (limit < 1) {
            throw new IllegalArgumentException("limit must be at least 1, but was " + limit);
        }
    }

    private LoggedEvent read(ResultSet r) throws SQLException {
        String typeId = r.getString(4);
        String payload = r.getString(5);
        Decoded<Message> event = payload == null
                ? new Decoded.UnknownType<>(typeId) : codec.decode(typeId, payload);
        Decoded<Headers> headers = codec.decodeHeaders(r.getString(6));
        return new LoggedEvent(MessageId.parse(r.getString(1)), r.getString(2), r.getString(3), typeId, event,
                headers instanceof Decoded.Ok<Headers> ok ? ok.value() : Headers.empty(), r.getInt(7),
                Times.fromNanos(r.getLong(8)));
    }

    @Override
    public String toString() {
        MessageBus bus = attached;
        return "JdbcEventLog[" + table + ", bus " + (bus == null ? "none yet" : bus.name()) + ", " + stats() + "]";
    }

    /** Builds a {@link JdbcEventLog}; from {@link JdbcStores#eventLog()}. */
    public static final class Builder {
        private final Jdbc jdbc;
        private final MessageCodec codec;
        private final String table;
        private int capacity = 10_000;
        private int batchSize = 500;
        private boolean lifecycle;

        Builder(Jdbc jdbc, MessageCodec codec, String table) {
            this.jdbc = jdbc;
            this.codec = codec;
            this.table = table;
        }

        /**
         * Sets how many events the buffer holds before it drops (default 10,000).
         *
         * @param capacity at least 1
         * @return this builder
         */
        public Builder bufferCapacity(int capacity) {
            if (capacity < 1) {
                throw new IllegalArgumentException("bufferCapacity must be at least 1, but was " + capacity);
            }
            this.capacity = capacity;
            return this;
        }

        /**
         * Sets how many events one transaction writes at most (default 500).
         *
         * @param batchSize at least 1
         * @return this builder
         */
        public Builder batchSize(int batchSize) {
            if (batchSize < 1) {
                throw new IllegalArgumentException("batchSize must be at least 1, but was " + batchSize);
            }
            this.batchSize = batchSize;
            return this;
        }

        /**
         * Sets whether the bus's lifecycle events are logged too (default false: only the
         * application's events).
         *
         * @param include true to log them
         * @return this builder
         */
        public Builder includeLifecycleEvents(boolean include) {
            this.lifecycle = include;
            return this;
        }

        /**
         * Makes the event log.
         *
         * @return the log, to add to one bus's builder as an observer
         */
        public JdbcEventLog build() {
            return new JdbcEventLog(this);
        }
    }
}
