package org.llmgine.bus;

import java.io.Serial;

/**
 * Thrown by {@code publishAndWait(event, timeout)} when the event's handlers did not finish within
 * the timeout. The event stays accepted and its handlers keep running.
 */
public final class DeliveryTimeoutException extends RuntimeException {

    @Serial
    private static final long serialVersionUID = 1L;

    private final long eventId;

    /**
     * Creates the exception.
     *
     * @param message names the event, its id and the timeout
     * @param eventId the id of the event still being delivered
     */
    public DeliveryTimeoutException(String message, long eventId) {
        super(message);
        this.eventId = eventId;
    }

    /**
     * Returns the id of the event that was not delivered in time.
     *
     * @return the event id
     */
    public long eventId() {
        return eventId;
    }
}
