package org.llmgine.bus.message;

import java.util.Objects;

/**
 * A session was opened. Published in the new session's scope, so bus-scope handlers see it.
 *
 * @param sessionId the id of the session that opened
 */
public record SessionStarted(String sessionId) implements LifecycleEvent {

    /**
     * Creates the event.
     *
     * @param sessionId the session's id
     */
    public SessionStarted {
        Objects.requireNonNull(sessionId, "sessionId");
    }
}
