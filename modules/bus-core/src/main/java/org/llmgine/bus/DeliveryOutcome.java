package org.llmgine.bus;

import java.time.Duration;
import java.util.List;
import java.util.Objects;
import org.llmgine.bus.message.MessageId;

/**
 * What became of an event published with {@code publishAndWait}: one sealed outcome for every
 * exit, so a caller handles them in one exhaustive {@code switch} instead of a family of
 * exceptions. Besides bad arguments and an interrupt of the waiting caller, only two things throw:
 * {@link ErrorPolicy#PROPAGATE}, the explicit throwing variant ({@link EventDeliveryException} when
 * handlers failed), and a wait that would deadlock ({@link WouldDeadlockException}).
 *
 * <pre>{@code
 * switch (session.publishAndWait(new AnswerReady(text), Duration.ofSeconds(5))) {
 *     case DeliveryOutcome.Delivered d when d.succeeded() -> ui.ok();
 *     case DeliveryOutcome.Delivered d -> ui.warn(d.failures());
 *     case DeliveryOutcome.NotAccepted n -> ui.retryLater(n.outcome());
 *     case DeliveryOutcome.TimedOut t -> ui.stillWorking();
 *     case DeliveryOutcome.Dropped d -> ui.lost();
 *     case DeliveryOutcome.Returned r -> ui.lost();
 *     case DeliveryOutcome.Cancelled c -> ui.lost();
 * }
 * }</pre>
 */
public sealed interface DeliveryOutcome permits DeliveryOutcome.Delivered, DeliveryOutcome.NotAccepted,
        DeliveryOutcome.TimedOut, DeliveryOutcome.Dropped, DeliveryOutcome.Returned, DeliveryOutcome.Cancelled {

    /**
     * Tells whether every handler ran and none failed.
     *
     * @return true only for a {@link Delivered} without failures
     */
    default boolean succeeded() {
        return this instanceof Delivered delivered && delivered.failures().isEmpty();
    }

    /**
     * Every handler of the event ran; the failures are listed (empty when all succeeded).
     *
     * @param eventId the id the event was accepted under
     * @param handlersInvoked how many handlers ran
     * @param failures the handlers that threw, in the order they finished
     */
    record Delivered(MessageId eventId, int handlersInvoked, List<HandlerFailure> failures) implements DeliveryOutcome {

        /**
         * Validates the outcome.
         *
         * @param eventId the event's id
         * @param handlersInvoked not negative
         * @param failures the failures
         */
        public Delivered {
            Objects.requireNonNull(eventId, "eventId");
            failures = List.copyOf(failures);
            if (handlersInvoked < 0) {
                throw new IllegalArgumentException("handlersInvoked must not be negative, but was " + handlersInvoked);
            }
        }
    }

    /**
     * The event was not accepted: a filter declined it or the bus rejected it (full, closed, not
     * started); nothing ran.
     *
     * @param outcome the {@link PublishOutcome.Filtered} or {@link PublishOutcome.Rejected}
     */
    record NotAccepted(PublishOutcome outcome) implements DeliveryOutcome {

        /**
         * Validates the outcome.
         *
         * @param outcome a filtered or rejected outcome
         * @throws IllegalArgumentException if {@code outcome} is accepted
         */
        public NotAccepted {
            Objects.requireNonNull(outcome, "outcome");
            if (outcome.isAccepted()) {
                throw new IllegalArgumentException("NotAccepted needs a filtered or rejected outcome, but was " + outcome);
            }
        }
    }

    /**
     * The handlers did not finish within the timeout; they keep running and the event still ends
     * in a counted state.
     *
     * @param eventId the event's id
     * @param timeout the timeout that elapsed
     */
    record TimedOut(MessageId eventId, Duration timeout) implements DeliveryOutcome {

        /**
         * Validates the outcome.
         *
         * @param eventId the event's id
         * @param timeout the timeout
         */
        public TimedOut {
            Objects.requireNonNull(eventId, "eventId");
            Objects.requireNonNull(timeout, "timeout");
        }
    }

    /**
     * DROP_OLDEST evicted the event to make room before its handlers started.
     *
     * @param eventId the event's id
     */
    record Dropped(MessageId eventId) implements DeliveryOutcome {

        /**
         * Validates the outcome.
         *
         * @param eventId the event's id
         */
        public Dropped {
            Objects.requireNonNull(eventId, "eventId");
        }
    }

    /**
     * The bus closed before the event's handlers started; it is listed in the close report.
     *
     * @param eventId the event's id
     */
    record Returned(MessageId eventId) implements DeliveryOutcome {

        /**
         * Validates the outcome.
         *
         * @param eventId the event's id
         */
        public Returned {
            Objects.requireNonNull(eventId, "eventId");
        }
    }

    /**
     * The bus closed while the event's handlers ran and interrupted them.
     *
     * @param eventId the event's id
     */
    record Cancelled(MessageId eventId) implements DeliveryOutcome {

        /**
         * Validates the outcome.
         *
         * @param eventId the event's id
         */
        public Cancelled {
            Objects.requireNonNull(eventId, "eventId");
        }
    }
}
