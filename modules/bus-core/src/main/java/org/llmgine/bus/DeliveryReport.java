package org.llmgine.bus;

import java.util.List;
import java.util.Objects;

/**
 * The result of {@code publishAndWait}: what happened to the event and, if it was delivered, how
 * many handlers ran and which of them failed.
 *
 * @param outcome the publish outcome; handlers ran only if it is {@link PublishOutcome.Accepted}
 * @param handlersInvoked how many handlers ran (failed ones included)
 * @param failures the handlers that threw, in completion order
 */
public record DeliveryReport(PublishOutcome outcome, int handlersInvoked, List<HandlerFailure> failures) {

    /**
     * Creates a report.
     *
     * @param outcome the outcome
     * @param handlersInvoked the number of handlers that ran
     * @param failures the failures
     */
    public DeliveryReport {
        Objects.requireNonNull(outcome, "outcome");
        failures = List.copyOf(failures);
        if (handlersInvoked < 0) {
            throw new IllegalArgumentException("handlersInvoked must not be negative, but was " + handlersInvoked);
        }
    }

    /**
     * Tells whether the event was accepted and every handler succeeded.
     *
     * @return true on full success
     */
    public boolean succeeded() {
        return outcome.isAccepted() && failures.isEmpty();
    }
}
