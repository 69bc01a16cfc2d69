package org.llmgine.bus;

import java.io.Serial;

/**
 * Thrown by {@code publishAndWait} when its event was accepted but then evicted by
 * {@link OverflowStrategy#DROP_OLDEST} before its handlers started.
 */
public final class EventDroppedException extends RuntimeException {

    @Serial
    private static final long serialVersionUID = 1L;

    private final long eventId;

    /**
     * Creates the exception.
     *
     * @param message names the event, its id and the bus
     * @param eventId the id of the dropped event
     */
    public EventDroppedException(String message, long eventId) {
        super(message);
        this.eventId = eventId;
    }

    /**
     * Returns the id of the dropped event.
     *
     * @return the event id
     */
    public long eventId() {
        return eventId;
    }
}
