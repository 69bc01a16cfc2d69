package org.llmgine.bus.middleware;

import org.llmgine.bus.handler.CommandContext;
import org.llmgine.bus.message.Command;
import org.llmgine.bus.message.CommandResult;

/**
 * Wraps every command execution, typed by the command's result: call {@code chain.proceed()} to
 * continue and return its result (or a result derived from it), or short-circuit with a result of
 * your own, of the same type:
 *
 * <pre>{@code
 * final class RequireTenant implements CommandMiddleware {
 *     public <R> CommandResult<R> handle(Command<R> command, CommandContext context, CommandChain<R> chain)
 *             throws Exception {
 *         if (context.headers().get("tenant").isEmpty()) {
 *             return CommandResult.failure(new FailureCause.Rejected("command " + command.getClass().getSimpleName()
 *                     + " has no tenant header"));
 *         }
 *         return chain.proceed();
 *     }
 * }
 * }</pre>
 *
 * A failure returned here reaches the caller as it is, so a middleware can report any
 * {@link org.llmgine.bus.message.FailureCause} (a rejection, an open circuit). Throwing fails the
 * command with {@code HandlerThrew}; returning null fails it with {@code HandlerThrew} of a
 * NullPointerException naming the middleware. The method is generic, so middleware is written as a
 * class (a lambda cannot implement a generic method).
 */
public interface CommandMiddleware {

    /**
     * Handles one command execution.
     *
     * @param command the command
     * @param context its context
     * @param chain the rest of the chain
     * @param <R> the command's result type
     * @return the result: what {@code chain.proceed()} returned, or one of the command's result type
     * @throws Exception to fail the command
     */
    <R> CommandResult<R> handle(Command<R> command, CommandContext context, CommandChain<R> chain) throws Exception;
}
