package org.llmgine.bus;

import java.io.Serial;
import java.util.Objects;

/**
 * Thrown by {@code publishAndWait} under {@link ErrorPolicy#PROPAGATE} when handlers of the
 * published event failed. The first failure is the cause; the others are suppressed exceptions;
 * {@link #report()} lists all of them with handler names.
 */
public final class EventDeliveryException extends RuntimeException {

    @Serial
    private static final long serialVersionUID = 1L;

    private final transient DeliveryReport report;

    /**
     * Creates the exception.
     *
     * @param eventType the event's class
     * @param report the delivery report, with at least one failure
     */
    public EventDeliveryException(Class<?> eventType, DeliveryReport report) {
        super(describe(eventType, report), report.failures().isEmpty() ? null : report.failures().get(0).error());
        this.report = Objects.requireNonNull(report, "report");
        for (int i = 1; i < report.failures().size(); i++) {
            addSuppressed(report.failures().get(i).error());
        }
    }

    private static String describe(Class<?> eventType, DeliveryReport report) {
        var names = report.failures().stream().map(HandlerFailure::handler).toList();
        return report.failures().size() + " of " + report.handlersInvoked() + " handlers failed for event "
                + eventType.getName() + ": " + names;
    }

    /**
     * Returns the delivery report with every failure.
     *
     * @return the report
     */
    public DeliveryReport report() {
        return report;
    }
}
