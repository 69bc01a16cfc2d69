package org.llmgine.bus.handler;

import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * What the bus knows about a registered event handler: its name (used in logs, failure events and
 * delivery reports), the type it subscribed to, its priority and its scope.
 *
 * @param name the handler's name
 * @param messageType the class it subscribed to
 * @param priority its priority; lower runs earlier
 * @param sessionId the session it belongs to, or null for the bus scope
 */
public record HandlerInfo(String name, Class<?> messageType, int priority, @Nullable String sessionId) {

    /**
     * Creates handler details.
     *
     * @param name the name
     * @param messageType the subscribed class
     * @param priority the priority
     * @param sessionId the session or null
     */
    public HandlerInfo {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(messageType, "messageType");
    }
}
