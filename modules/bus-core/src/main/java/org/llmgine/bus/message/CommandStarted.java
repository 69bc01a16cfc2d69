package org.llmgine.bus.message;

import java.util.Objects;

/**
 * A command's handler is about to run. Published before the middleware chain and handler start.
 *
 * @param command the command
 * @param commandId the id the bus gave this execution (see the handler's context)
 */
public record CommandStarted(Command<?> command, MessageId commandId) implements LifecycleEvent {

    /**
     * Creates the event.
     *
     * @param command the command
     * @param commandId the execution's id
     */
    public CommandStarted {
        Objects.requireNonNull(commandId, "commandId");
        Objects.requireNonNull(command, "command");
    }
}
