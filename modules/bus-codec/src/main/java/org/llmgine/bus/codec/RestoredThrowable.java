package org.llmgine.bus.codec;

import java.io.Serial;
import java.util.Objects;

/**
 * An error read back from text: the class, message and stack trace of what was thrown, kept
 * without loading or instantiating that class (which may not exist here). {@link #getMessage()} is
 * the original message; {@link #getStackTrace()} the original frames where they could be read.
 */
public final class RestoredThrowable extends RuntimeException {

    @Serial
    private static final long serialVersionUID = 1L;

    /** The fully qualified class name of what was thrown. */
    private final String originalClassName;

    /**
     * Creates the restored error.
     *
     * @param originalClassName the class name of what was thrown
     * @param message its message, or null
     * @param stackTrace its frames, possibly empty
     * @param cause its restored cause, or null
     */
    public RestoredThrowable(String originalClassName, @org.jspecify.annotations.Nullable String message,
            StackTraceElement[] stackTrace, @org.jspecify.annotations.Nullable RestoredThrowable cause) {
        super(message, cause, false, true);
        this.originalClassName = Objects.requireNonNull(originalClassName, "originalClassName");
        setStackTrace(Objects.requireNonNull(stackTrace, "stackTrace"));
    }

    /**
     * Returns the class name of what was thrown.
     *
     * @return for example {@code java.lang.IllegalStateException}
     */
    public String originalClassName() {
        return originalClassName;
    }

    /**
     * Returns the original class name and message, as {@code Throwable.toString} would have.
     *
     * @return for example {@code java.lang.IllegalStateException: 503}
     */
    @Override
    public String toString() {
        String message = getMessage();
        return message == null ? originalClassName : originalClassName + ": " + message;
    }
}
