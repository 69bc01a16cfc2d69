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
 */
public record CommandCompleted(Command<?> command, long commandId, CommandResult<?> result, Duration duration)
        implements LifecycleEvent {

    /**
     * Creates the event.
     *
     * @param command the command
     * @param commandId the execution's id
     * @param result the result
     * @param duration the execution time
     */
    public CommandCompleted {
        Objects.requireNonNull(command, "command");
        Objects.requireNonNull(result, "result");
        Objects.requireNonNull(duration, "duration");
    }
}
