package org.llmgine.bus.handler;

import org.llmgine.bus.message.Command;

/**
 * Handles commands of type {@code C} and produces their result of type {@code R}.
 *
 * <p>Runs on a virtual thread owned by the bus; it may block. Returning a value yields a
 * {@link org.llmgine.bus.message.CommandResult.Success}; throwing, or returning null, yields a
 * {@link org.llmgine.bus.message.CommandResult.Failure} with
 * {@link org.llmgine.bus.message.FailureCause.HandlerThrew}.
 *
 * @param <C> the command type
 * @param <R> the result type
 */
@FunctionalInterface
public interface CommandHandler<C extends Command<R>, R> {

    /**
     * Handles one command.
     *
     * @param command the command
     * @param context the execution's metadata and a way to publish or execute in its scope
     * @return the result, never null
     * @throws Exception when the command fails; the caller receives a failure result
     */
    R handle(C command, CommandContext context) throws Exception;
}
