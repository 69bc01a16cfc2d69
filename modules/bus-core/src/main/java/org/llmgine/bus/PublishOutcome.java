package org.llmgine.bus;

import java.util.Objects;

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
     *
     * @param eventId the id the bus gave the event
     */
    record Accepted(long eventId) implements PublishOutcome {

        @Override
        public boolean isAccepted() {
            return true;
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
