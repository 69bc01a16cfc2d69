package org.llmgine.bus;

import java.io.Serial;

/**
 * Thrown when a bus is used after {@code close()} began: publishing, executing, registering or
 * opening a session. The message names the bus and its state.
 */
public class BusClosedException extends IllegalStateException {

    @Serial
    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception.
     *
     * @param message what was attempted on which bus
     */
    public BusClosedException(String message) {
        super(message);
    }
}
