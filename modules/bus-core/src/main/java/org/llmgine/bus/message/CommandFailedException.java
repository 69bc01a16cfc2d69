package org.llmgine.bus.message;

import java.io.Serial;
import java.util.Objects;

/**
 * Thrown by {@link CommandResult#orThrow()} when a command failed. The {@link #failureCause()} says
 * why; when the handler threw, {@link #getCause()} is what it threw.
 */
public final class CommandFailedException extends RuntimeException {

    @Serial
    private static final long serialVersionUID = 1L;

    private final transient FailureCause failureCause;

    /**
     * Creates the exception for a failure.
     *
     * @param failureCause why the command failed
     */
    public CommandFailedException(FailureCause failureCause) {
        super("command failed: " + Objects.requireNonNull(failureCause, "failureCause").describe(),
                failureCause instanceof FailureCause.HandlerThrew threw ? threw.error() : null);
        this.failureCause = failureCause;
    }

    /**
     * Returns why the command failed.
     *
     * @return the failure cause
     */
    public FailureCause failureCause() {
        return failureCause;
    }
}
