package org.llmgine.bus;

import java.io.Serial;

/**
 * Thrown when a session is used after it was closed. The message names the session and the bus.
 */
public final class SessionClosedException extends BusClosedException {

    @Serial
    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception.
     *
     * @param message what was attempted on which session
     */
    public SessionClosedException(String message) {
        super(message);
    }
}
