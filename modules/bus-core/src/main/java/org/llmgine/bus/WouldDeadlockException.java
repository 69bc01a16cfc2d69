package org.llmgine.bus;

import java.io.Serial;

/**
 * Thrown instead of hanging when a thread would wait for work that cannot start until the thread
 * itself finishes: a handler (or a command it executes) calling {@code publishAndWait} for an event
 * of its own session, since events of a session run one after another; a handler of a session
 * calling the session's {@code awaitIdle}; a handler or command calling the bus's
 * {@code awaitIdle} or {@code close}. Wait cycles across sessions (a handler of A waiting on B while
 * one of B waits on A) are not detected: use the timeout overloads there.
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
