package org.llmgine.bus;

import java.io.Serial;
import java.util.Objects;

/**
 * Thrown by {@code publishAndWait} under {@link ErrorPolicy#PROPAGATE} when handlers of the
 * published event failed. The first failure is the cause; the others are suppressed exceptions;
 * {@link #outcome()} lists all of them with handler names.
 */
public final class EventDeliveryException extends RuntimeException {

    @Serial
    private static final long serialVersionUID = 1L;

    private final transient DeliveryOutcome.Delivered outcome;

    /**
     * Creates the exception.
     *
     * @param eventType the event's class
     * @param report the delivery, with at least one failure
     */
    public EventDeliveryException(Class<?> eventType, DeliveryOutcome.Delivered report) {
        super(describe(eventType, report), report.failures().isEmpty() ? null : report.failures().get(0).error());
        this.outcome = Objects.requireNonNull(report, "report");
        for (int i = 1; i < report.failures().size(); i++) {
            addSuppressed(report.failures().get(i).error());
        }
    }

    private static String describe(Class<?> eventType, DeliveryOutcome.Delivered report) {
        var names = report.failures().stream().map(HandlerFailure::handler).toList();
        return report.failures().size() + " of " + report.handlersInvoked() + " handlers failed for event "
                + eventType.getName() + " (id=" + report.eventId() + "): " + names;
    }

    /**
     * Returns the delivery with every failure.
     *
     * @return the outcome
     */
    public DeliveryOutcome.Delivered outcome() {
        return outcome;
    }
}
