package org.llmgine.bus;

import java.io.Serial;

/**
 * Thrown instead of hanging when a thread would wait for work that cannot start until the thread
 * itself finishes: a handler calling {@code publishAndWait} for an event of its own session (events
 * of a session run one after another), or a handler or command calling {@code awaitIdle} on the
 * bus or session it is part of.
 */
public final class WouldDeadlockException extends IllegalStateException {

    @Serial
    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception.
     *
     * @param message what would have deadlocked and why
     */
    public WouldDeadlockException(String message) {
        super(message);
    }
}
