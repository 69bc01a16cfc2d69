package org.llmgine.bus;

/**
 * What {@code publishAndWait} does when event handlers fail. Whatever the policy, every handler
 * failure is counted and logged, and published as a {@link org.llmgine.bus.message.HandlerFailed}
 * event when a handler could receive it (see that class for the exceptions); the policy only
 * decides whether the waiting publisher also gets an exception.
 */
public enum ErrorPolicy {
    /** The default: failures are listed in the {@link DeliveryOutcome.Delivered}; nothing is thrown. */
    SUPPRESS,
    /**
     * {@code publishAndWait} throws an {@link EventDeliveryException} that carries every failure of
     * its own event (and only of its own event).
     */
    PROPAGATE
}
