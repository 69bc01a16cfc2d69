package org.llmgine.bus;

import java.util.Objects;
import java.util.UUID;
import org.llmgine.bus.message.MessageId;

/**
 * What happened to a published event: {@link Accepted} into the queue, {@link Filtered} out by an
 * event filter, or {@link Rejected}. Every published event ends in exactly one of these.
 */
public sealed interface PublishOutcome permits PublishOutcome.Accepted, PublishOutcome.Filtered,
        PublishOutcome.Rejected {

    /**
     * Tells whether the event was accepted.
     *
     * @return true for {@link Accepted}
     */
    boolean isAccepted();

    /**
     * The event was accepted and will be dispatched (or reported at close if the bus closes first).
     * A class rather than a record: it keeps the id's two parts and makes the {@link MessageId} only
     * when asked, so an accepted publish allocates no id object.
     */
    final class Accepted implements PublishOutcome {

        private final UUID origin;
        private final long sequence;

        /**
         * Creates the outcome.
         *
         * @param eventId the id the bus gave the event
         */
        public Accepted(MessageId eventId) {
            this(eventId.origin(), eventId.sequence());
            if (eventId.kind() != MessageId.Kind.EVENT) {
                throw new IllegalArgumentException("an accepted event needs an EVENT id, but was " + eventId);
            }
        }

        /**
         * Creates the outcome from the parts of an event id; used by the bus.
         *
         * @param origin the bus instance id
         * @param sequence the event's number, at least 1
         */
        public Accepted(UUID origin, long sequence) {
            this.origin = Objects.requireNonNull(origin, "origin");
            if (sequence < 1) {
                throw new IllegalArgumentException("event sequence must be at least 1, but was " + sequence);
            }
            this.sequence = sequence;
        }

        /**
         * Returns the id the bus gave the event (also its handlers' {@code context.messageId()}).
         *
         * @return the event id
         */
        public MessageId eventId() {
            return new MessageId(origin, MessageId.Kind.EVENT, sequence);
        }

        @Override
        public boolean isAccepted() {
            return true;
        }

        @Override
        public boolean equals(Object other) {
            return other instanceof Accepted accepted && accepted.sequence == sequence && accepted.origin.equals(origin);
        }

        @Override
        public int hashCode() {
            return origin.hashCode() * 31 + Long.hashCode(sequence);
        }

        @Override
        public String toString() {
            return "Accepted[eventId=" + eventId() + "]";
        }
    }

    /**
     * An event filter declined the event; no handler sees it.
     *
     * @param filter the name of the filter that declined it
     */
    record Filtered(String filter) implements PublishOutcome {

        /**
         * Creates the outcome.
         *
         * @param filter the filter's name
         */
        public Filtered {
            Objects.requireNonNull(filter, "filter");
        }

        @Override
        public boolean isAccepted() {
            return false;
        }
    }

    /**
     * The bus did not accept the event.
     *
     * @param reason why
     * @param detail a description naming the bus and the observed value (for example the capacity)
     */
    record Rejected(RejectionReason reason, String detail) implements PublishOutcome {

        /**
         * Creates the outcome.
         *
         * @param reason why
         * @param detail the description
         */
        public Rejected {
            Objects.requireNonNull(reason, "reason");
            Objects.requireNonNull(detail, "detail");
        }

        @Override
        public boolean isAccepted() {
            return false;
        }
    }
}
