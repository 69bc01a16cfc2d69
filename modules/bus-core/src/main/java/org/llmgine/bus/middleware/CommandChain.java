package org.llmgine.bus.middleware;

import org.llmgine.bus.handler.CommandContext;
import org.llmgine.bus.message.CommandResult;

/**
 * The rest of a command's middleware chain, ending in the handler. Each call runs the rest of the
 * chain again (a middleware may proceed more than once, for example to retry).
 *
 * @param <R> the command's result type
 */
public interface CommandChain<R> {

    /**
     * Runs the next middleware, or the handler if this is the last.
     *
     * @return the result: the handler's value as a success, or the failure a later middleware returned
     * @throws Exception what the next middleware or the handler threw
     */
    CommandResult<R> proceed() throws Exception;

    /**
     * Runs the rest of the chain with another context for it: what a retry middleware does to tell
     * the handler which attempt it is ({@code chain.proceed(context.withAttempt(n))}).
     *
     * @param context the context the next middleware and the handler receive; one of this command's
     *     (this middleware's, or a {@code withAttempt} view of it)
     * @return the result
     * @throws Exception what the next middleware or the handler threw
     */
    CommandResult<R> proceed(CommandContext context) throws Exception;
}
