package org.llmgine.bus.store.jdbc;

import java.time.Instant;
import java.util.Objects;
import org.jspecify.annotations.Nullable;
import org.llmgine.bus.message.Event;
import org.llmgine.bus.message.Headers;
import org.llmgine.bus.message.MessageId;
import org.llmgine.bus.spi.StoredEntry;

/**
 * An event accepted for externalization, as its outbox keeps it.
 *
 * @param id the event's id (one row per event in an outbox)
 * @param event the event
 * @param sessionId its session, or null for the bus scope
 * @param headers its headers
 * @param destination where it goes (a topic)
 * @param key its record key, or null (by default the session id)
 * @param state where it is in its life
 * @param attempts how many times it was claimed for sending
 * @param createdAt when it was written
 * @param lastError why the last send failed, or null
 */
public record OutboxEntry(MessageId id, Event event, @Nullable String sessionId, Headers headers, String destination,
        @Nullable String key, OutboxState state, int attempts, Instant createdAt, @Nullable String lastError)
        implements StoredEntry {

    /**
     * Validates the record.
     *
     * @param id the id
     * @param event the event
     * @param sessionId the session or null
     * @param headers the headers
     * @param destination not blank
     * @param key the key or null
     * @param state the state
     * @param attempts not negative
     * @param createdAt the creation time
     * @param lastError the last error or null
     */
    public OutboxEntry {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(event, "event");
        Objects.requireNonNull(headers, "headers");
        Objects.requireNonNull(destination, "destination");
        Objects.requireNonNull(state, "state");
        Objects.requireNonNull(createdAt, "createdAt");
        if (destination.isBlank()) {
            throw new IllegalArgumentException("destination must not be blank, but was '" + destination + "'");
        }
        if (attempts < 0) {
            throw new IllegalArgumentException("attempts must not be negative, but was " + attempts);
        }
    }

    /**
     * Makes a new entry: pending, never attempted.
     *
     * @param id the event's id
     * @param event the event
     * @param sessionId its session or null
     * @param headers its headers
     * @param destination where it goes
     * @param key its record key or null
     * @param createdAt now
     * @return the entry
     */
    public static OutboxEntry of(MessageId id, Event event, @Nullable String sessionId, Headers headers,
            String destination, @Nullable String key, Instant createdAt) {
        return new OutboxEntry(id, event, sessionId, headers, destination, key, OutboxState.PENDING, 0, createdAt,
                null);
    }
}
