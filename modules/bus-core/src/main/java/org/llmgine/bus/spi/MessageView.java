package org.llmgine.bus.spi;

import java.time.Instant;
import org.jspecify.annotations.Nullable;
import org.llmgine.bus.message.Headers;
import org.llmgine.bus.message.Message;
import org.llmgine.bus.message.MessageId;

/**
 * What an observer sees of a message: its envelope, read-only. The bus passes its own envelope
 * through this interface (no object is made per callback), so a view read after the callback
 * returned still tells the same values; keep {@link #snapshot()} rather than the view if you store
 * it for long.
 */
public interface MessageView {

    /**
     * Returns the message.
     *
     * @return the event or command
     */
    Message message();

    /**
     * Returns the message's class.
     *
     * @return the class
     */
    default Class<? extends Message> type() {
        return message().getClass();
    }

    /**
     * Returns the message's id.
     *
     * @return the id; its origin is the observed bus's {@code instanceId()}
     */
    MessageId id();

    /**
     * Returns the message's session.
     *
     * @return the session id, or null for the bus scope
     */
    @Nullable String sessionId();

    /**
     * Returns the message's priority.
     *
     * @return 0-100
     */
    int priority();

    /**
     * Returns the message's headers.
     *
     * @return the headers
     */
    Headers headers();

    /**
     * Returns when the bus accepted the message, on its clock.
     *
     * @return the acceptance time
     */
    Instant acceptedAt();

    /**
     * Returns the name of the bus the message belongs to (with {@link #id()}'s origin, what tells two
     * observed buses apart).
     *
     * @return the bus name
     */
    String busName();

    /**
     * Copies the view into a value that holds nothing of the bus.
     *
     * @return an immutable copy
     */
    default Snapshot snapshot() {
        return new Snapshot(message(), id(), sessionId(), priority(), headers(), acceptedAt(), busName());
    }

    /**
     * An immutable copy of a view.
     *
     * @param message the message
     * @param id its id
     * @param sessionId its session, or null
     * @param priority its priority
     * @param headers its headers
     * @param acceptedAt its acceptance time
     * @param busName its bus's name
     */
    record Snapshot(Message message, MessageId id, @Nullable String sessionId, int priority, Headers headers,
            Instant acceptedAt, String busName) implements MessageView {

        /**
         * Validates the copy.
         *
         * @param message the message
         * @param id its id
         * @param sessionId its session
         * @param priority its priority
         * @param headers its headers
         * @param acceptedAt its acceptance time
         * @param busName the bus name
         */
        public Snapshot {
            java.util.Objects.requireNonNull(message, "message");
            java.util.Objects.requireNonNull(id, "id");
            java.util.Objects.requireNonNull(headers, "headers");
            java.util.Objects.requireNonNull(acceptedAt, "acceptedAt");
            java.util.Objects.requireNonNull(busName, "busName");
        }

        @Override
        public Snapshot snapshot() {
            return this;
        }
    }
}
