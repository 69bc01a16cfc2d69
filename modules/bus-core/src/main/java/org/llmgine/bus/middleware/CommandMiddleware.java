package org.llmgine.bus.middleware;

import org.llmgine.bus.handler.CommandContext;
import org.llmgine.bus.message.Command;

/**
 * Wraps every command execution. Call {@code chain.proceed()} to continue; return its value, or a
 * value of the command's result type to short-circuit; throw to fail the command.
 */
@FunctionalInterface
public interface CommandMiddleware {

    /**
     * Handles one command execution.
     *
     * @param command the command
     * @param context its context
     * @param chain the rest of the chain
     * @return the command's value: what {@code chain.proceed()} returned, or a replacement of the
     *     command's result type
     * @throws Exception to fail the command
     */
    Object handle(Command<?> command, CommandContext context, CommandChain chain) throws Exception;
}
