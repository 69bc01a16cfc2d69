package org.llmgine.bus.message;

import java.util.Objects;

/**
 * A session was closed. Published after every handler of the session was removed, so only
 * bus-scope handlers receive it. It follows every event and command the session accepted before
 * closing; only lifecycle events of the work that closed the session (for example the
 * CommandCompleted of a command that closed its own session), or of work that outlived the close
 * timeout, can come after it.
 *
 * @param sessionId the id of the session that closed
 */
public record SessionEnded(String sessionId) implements LifecycleEvent {

    /**
     * Creates the event.
     *
     * @param sessionId the session's id
     */
    public SessionEnded {
        Objects.requireNonNull(sessionId, "sessionId");
    }
}
