package org.llmgine.bus.middleware;

import org.llmgine.bus.message.CommandResult;

/**
 * The rest of a command's middleware chain, ending in the handler. Each call runs the rest of the
 * chain again (a middleware may proceed more than once, for example to retry).
 *
 * @param <R> the command's result type
 */
@FunctionalInterface
public interface CommandChain<R> {

    /**
     * Runs the next middleware, or the handler if this is the last.
     *
     * @return the result: the handler's value as a success, or the failure a later middleware returned
     * @throws Exception what the next middleware or the handler threw
     */
    CommandResult<R> proceed() throws Exception;
}
