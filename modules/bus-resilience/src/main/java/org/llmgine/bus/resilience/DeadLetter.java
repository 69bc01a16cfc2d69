package org.llmgine.bus.resilience;

import java.time.Instant;
import java.util.Objects;
import org.jspecify.annotations.Nullable;
import org.llmgine.bus.message.FailureCause;
import org.llmgine.bus.message.Headers;
import org.llmgine.bus.message.Message;
import org.llmgine.bus.message.MessageId;
import org.llmgine.bus.spi.StoredEntry;

/**
 * One entry of a {@link DeadLetterQueue}: a message that could not be processed, with what is
 * needed to look at it and to replay it.
 *
 * @param id the entry's own id (kind {@link MessageId.Kind#DEAD_LETTER}), numbered by its queue
 * @param messageId the message's id: the command's execution id or the event's id
 * @param message the command or event
 * @param sessionId the session it ran in, or null for the bus scope
 * @param headers the message's headers
 * @param priority the message's priority
 * @param handler the event handler that failed, {@link #ALL_HANDLERS} for an event that reached
 *     none, or null for a command
 * @param cause why it failed the last time
 * @param attempts how many attempts were made (0 for a message held behind another, never run)
 * @param firstFailure when it first failed
 * @param lastFailure when it last failed
 * @param enqueuedAt when it entered the queue: with the id's sequence, the queue's order, kept
 *     across a replay that fails again and across a reload from the store
 * @param heldBehind for a sequenced queue: the entry this message waited behind, or null
 */
public record DeadLetter(MessageId id, MessageId messageId, Message message, @Nullable String sessionId,
        Headers headers, int priority, @Nullable String handler, FailureCause cause, int attempts,
        Instant firstFailure, Instant lastFailure, Instant enqueuedAt, @Nullable MessageId heldBehind)
        implements StoredEntry {

    /** The handler of an entry for an event no handler ran (DROP_OLDEST evicted it): replay reaches every handler. */
    public static final String ALL_HANDLERS = "*";

    /** Checks the fields. */
    public DeadLetter {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(messageId, "messageId");
        Objects.requireNonNull(message, "message");
        Objects.requireNonNull(headers, "headers");
        Objects.requireNonNull(cause, "cause");
        Objects.requireNonNull(firstFailure, "firstFailure");
        Objects.requireNonNull(lastFailure, "lastFailure");
        Objects.requireNonNull(enqueuedAt, "enqueuedAt");
        if (attempts < 0) {
            throw new IllegalArgumentException("attempts must not be negative, but was " + attempts);
        }
        if (lastFailure.isBefore(firstFailure)) {
            throw new IllegalArgumentException("lastFailure " + lastFailure + " is before firstFailure " + firstFailure);
        }
    }

    /**
     * Tells whether the entry is an event handler's (else a command's).
     *
     * @return true for an event
     */
    public boolean isEvent() {
        return handler != null;
    }

    /**
     * The key of the sequence the entry belongs to: its session and its handler (or command type).
     *
     * @return the key
     */
    String sequenceKey() {
        return sequenceKey(sessionId, handler != null ? handler : message.getClass().getName());
    }

    static String sequenceKey(@Nullable String sessionId, String handlerOrType) {
        return (sessionId == null ? "" : sessionId) + '\u0000' + handlerOrType;
    }

    /** This entry failed again: the new cause, attempts added and the time. */
    DeadLetter failedAgain(FailureCause newCause, int moreAttempts, Instant at) {
        return new DeadLetter(id, messageId, message, sessionId, headers, priority, handler, newCause,
                attempts + moreAttempts, firstFailure, at, enqueuedAt, heldBehind);
    }
}
