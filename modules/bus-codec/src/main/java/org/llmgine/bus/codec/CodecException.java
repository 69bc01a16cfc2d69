package org.llmgine.bus.codec;

import java.io.Serial;

/**
 * A value could not be encoded (its class has no registered type id, or it cannot be written), or
 * a {@link Decoded} failure was asked for its value.
 */
public final class CodecException extends RuntimeException {

    @Serial
    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception.
     *
     * @param message what could not be done, naming the type and the value
     */
    public CodecException(String message) {
        super(message);
    }

    /**
     * Creates the exception with its cause.
     *
     * @param message what could not be done, naming the type and the value
     * @param cause the writer's or reader's exception
     */
    public CodecException(String message, Throwable cause) {
        super(message, cause);
    }
}
