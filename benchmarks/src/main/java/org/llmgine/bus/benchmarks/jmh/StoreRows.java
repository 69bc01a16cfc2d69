package org.llmgine.bus.benchmarks.jmh;

import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.UUID;
import org.llmgine.bus.codec.Encoded;
import org.llmgine.bus.codec.JsonCodec;
import org.llmgine.bus.codec.MessageCodec;
import org.llmgine.bus.handler.Priority;
import org.llmgine.bus.message.Event;
import org.llmgine.bus.message.FailureCause;
import org.llmgine.bus.message.Headers;
import org.llmgine.bus.message.MessageId;
import org.llmgine.bus.resilience.DeadLetter;
import org.llmgine.bus.spi.MessageView;
import org.llmgine.bus.spi.StoredScheduledEvent;
import org.llmgine.bus.store.jdbc.OutboxEntry;

/**
 * The rows {@link StoreBenchmark} writes, all of one sample event in a session with two headers (a
 * dead letter adds a retries-exhausted cause with an 8-frame stack): for a sequence number, the
 * entry a store is given, and the plain INSERT of the same row, binding the columns the store binds
 * in its order. The plain inserts bind the JSON the codec wrote once at the start (the stores encode
 * every row, so their encoding counts against them); ids and times are made per row on both sides.
 */
final class StoreRows {

    /**
     * The sample event. Jackson reads it by reflection: fine on the class path, where JMH runs the
     * shaded jar; on the module path this package would have to be open to
     * {@code tools.jackson.databind}, and nothing runs it there (the module's tests do not).
     *
     * @param text what to remind of
     * @param attempt a number
     */
    record Reminder(String text, int attempt) implements Event {
    }

    /** The tables of the stores, by their name after the prefix, with the columns the store inserts. */
    enum Table {
        /** {@code JdbcScheduledEventStore.add}. */
        SCHEDULED_EVENTS("scheduled_events", "id, session_id, type_id, payload, headers, priority, due_at_ns,"
                + " created_at_ns", "?, ?, ?, ?, ?, ?, ?, ?"),
        /** {@code JdbcDeadLetterStore.add}. */
        DEAD_LETTERS("dead_letters", "queue_name, id, message_id, session_id, type_id, payload, headers, priority,"
                + " handler, cause, attempts, first_failure_ns, last_failure_ns, enqueued_at_ns, held_behind",
                "?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?"),
        /** {@code JdbcOutbox.add}. */
        OUTBOX("outbox", "outbox_name, id, session_id, type_id, payload, headers, destination, record_key, state,"
                + " attempts, not_before_ns, created_at_ns", "?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?"),
        /** {@code JdbcEventLog}'s batch insert. */
        EVENT_LOG("event_log", "id, bus_name, session_id, type_id, payload, headers, priority, accepted_at_ns, seq",
                "?, ?, ?, ?, ?, ?, ?, ?, ?");

        private final String suffix;
        private final String columns;
        private final String values;

        Table(String suffix, String columns, String values) {
            this.suffix = suffix;
            this.columns = columns;
            this.values = values;
        }

        /** The table's name with the stores' prefix. */
        String name(String prefix) {
            return prefix + suffix;
        }

        /** The INSERT the store runs for one row. */
        String insert(String prefix) {
            return "INSERT INTO " + name(prefix) + " (" + columns + ") VALUES (" + values + ")";
        }
    }

    static final String TYPE_ID = "bench.Reminder";
    static final String SESSION = "chat-42";
    static final String QUEUE = "bench";
    static final String OUTBOX = "bench";
    static final String DESTINATION = "bench.reminders";
    static final String BUS = "bench";
    static final String HANDLER = "bench.ReminderHandler";
    static final int PRIORITY = Priority.NORMAL;
    static final int ATTEMPTS = 3;

    private static final Reminder REMINDER = new Reminder("call the customer back about invoice 4711", 2);
    private static final Headers HEADERS = Headers.of("traceparent",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01").with("tenant", "acme");
    private static final Instant DUE = Instant.parse("2030-01-01T00:00:00Z");

    private final UUID origin;
    private final MessageCodec codec;
    private final FailureCause cause;
    private final String payload;
    private final String headers;
    private final String causeJson;

    StoreRows(UUID origin) {
        this.origin = Objects.requireNonNull(origin, "origin");
        this.codec = JsonCodec.builder().register(TYPE_ID, Reminder.class).build();
        this.cause = new FailureCause.RetriesExhausted(ATTEMPTS, new FailureCause.HandlerThrew(error()));
        Encoded encoded = codec.encode(REMINDER);
        if (!encoded.typeId().equals(TYPE_ID)) {
            throw new IllegalStateException("the codec wrote type id " + encoded.typeId() + ", expected " + TYPE_ID);
        }
        this.payload = encoded.payload();
        this.headers = codec.encodeHeaders(HEADERS);
        this.causeJson = codec.encodeCause(cause);
    }

    /** A handler's error with a fixed stack of 8 frames, so every run writes the same cause. */
    private static Throwable error() {
        IllegalStateException error = new IllegalStateException("the model endpoint answered 503");
        StackTraceElement[] frames = new StackTraceElement[8];
        for (int i = 0; i < frames.length; i++) {
            frames[i] = new StackTraceElement("com.example.chat.ModelClient", "call" + i, "ModelClient.java", 40 + i);
        }
        error.setStackTrace(frames);
        return error;
    }

    /** The codec the stores write with. */
    MessageCodec codec() {
        return codec;
    }

    /** The scheduled event of row {@code seq}. */
    StoredScheduledEvent scheduled(long seq) {
        return new StoredScheduledEvent(id(MessageId.Kind.SCHEDULED, seq), REMINDER, SESSION, DUE.plusNanos(seq),
                HEADERS, PRIORITY);
    }

    /** The dead letter of row {@code seq}: an event whose handler failed three times. */
    DeadLetter deadLetter(long seq) {
        Instant now = Instant.now();
        return new DeadLetter(id(MessageId.Kind.DEAD_LETTER, seq), id(MessageId.Kind.EVENT, seq), REMINDER, SESSION,
                HEADERS, PRIORITY, HANDLER, cause, ATTEMPTS, now.minus(Duration.ofSeconds(2)), now, now, null);
    }

    /** The outbox entry of row {@code seq}, keyed by its session. */
    OutboxEntry outboxEntry(long seq) {
        return OutboxEntry.of(id(MessageId.Kind.EVENT, seq), REMINDER, SESSION, HEADERS, DESTINATION, SESSION,
                Instant.now());
    }

    /** The accepted event of row {@code seq}, as the bus hands it to its observers. */
    MessageView acceptedEvent(long seq) {
        return new MessageView.Snapshot(REMINDER, id(MessageId.Kind.EVENT, seq), SESSION, PRIORITY, HEADERS,
                Instant.now(), BUS);
    }

    /**
     * Binds row {@code seq} of {@code table} to its plain INSERT ({@link Table#insert}), the values
     * the store would bind for the entry above.
     */
    void bind(Table table, PreparedStatement s, long seq) throws SQLException {
        switch (table) {
            case SCHEDULED_EVENTS -> {
                s.setString(1, id(MessageId.Kind.SCHEDULED, seq).toString());
                s.setString(2, SESSION);
                s.setString(3, TYPE_ID);
                s.setString(4, payload);
                s.setString(5, headers);
                s.setInt(6, PRIORITY);
                s.setLong(7, nanos(DUE.plusNanos(seq)));
                s.setLong(8, nanos(Instant.now()));
            }
            case DEAD_LETTERS -> {
                long now = nanos(Instant.now());
                s.setString(1, QUEUE);
                s.setString(2, id(MessageId.Kind.DEAD_LETTER, seq).toString());
                s.setString(3, id(MessageId.Kind.EVENT, seq).toString());
                s.setString(4, SESSION);
                s.setString(5, TYPE_ID);
                s.setString(6, payload);
                s.setString(7, headers);
                s.setInt(8, PRIORITY);
                s.setString(9, HANDLER);
                s.setString(10, causeJson);
                s.setInt(11, ATTEMPTS);
                s.setLong(12, now - Duration.ofSeconds(2).toNanos());
                s.setLong(13, now);
                s.setLong(14, now);
                s.setNull(15, Types.VARCHAR);
            }
            case OUTBOX -> {
                long now = nanos(Instant.now());
                s.setString(1, OUTBOX);
                s.setString(2, id(MessageId.Kind.EVENT, seq).toString());
                s.setString(3, SESSION);
                s.setString(4, TYPE_ID);
                s.setString(5, payload);
                s.setString(6, headers);
                s.setString(7, DESTINATION);
                s.setString(8, SESSION);
                s.setString(9, "PENDING");
                s.setLong(10, now);
                s.setLong(11, now);
            }
            case EVENT_LOG -> {
                MessageId id = id(MessageId.Kind.EVENT, seq);
                s.setString(1, id.toString());
                s.setString(2, BUS);
                s.setString(3, SESSION);
                s.setString(4, TYPE_ID);
                s.setString(5, payload);
                s.setString(6, headers);
                s.setInt(7, PRIORITY);
                s.setLong(8, nanos(Instant.now()));
                s.setLong(9, id.sequence());
            }
        }
    }

    /** The id of outbox row {@code seq} as its table keeps it (the plain send cycle's updates bind it). */
    String outboxId(long seq) {
        return id(MessageId.Kind.EVENT, seq).toString();
    }

    private MessageId id(MessageId.Kind kind, long seq) {
        return new MessageId(origin, kind, seq);
    }

    /** An instant as the stores keep it: nanoseconds since the epoch. */
    static long nanos(Instant instant) {
        return Math.addExact(Math.multiplyExact(instant.getEpochSecond(), 1_000_000_000L), instant.getNano());
    }
}
