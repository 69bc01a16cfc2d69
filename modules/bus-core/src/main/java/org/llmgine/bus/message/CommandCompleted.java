package org.llmgine.bus.message;

import java.time.Duration;
import java.util.Objects;

/**
 * A command's execution finished, successfully or not.
 *
 * @param command the command
 * @param commandId the id the bus gave this execution
 * @param result the result returned to the caller
 * @param duration how long the middleware chain and handler took
 * @param attempts how many times the handler was called: 1, or more under a retry decorator (0 when
 *     the handler never ran: refused by a middleware, denied, expired or cancelled before it began)
 */
public record CommandCompleted(Command<?> command, MessageId commandId, CommandResult<?> result, Duration duration,
        int attempts)
        implements LifecycleEvent {

    /**
     * Creates the event.
     *
     * @param command the command
     * @param commandId the execution's id
     * @param result the result
     * @param duration the execution time
     * @param attempts the handler calls made, not negative
     */
    public CommandCompleted {
        Objects.requireNonNull(commandId, "commandId");
        Objects.requireNonNull(command, "command");
        Objects.requireNonNull(result, "result");
        Objects.requireNonNull(duration, "duration");
        if (attempts < 0) {
            throw new IllegalArgumentException("attempts must not be negative, but was " + attempts);
        }
    }
}
