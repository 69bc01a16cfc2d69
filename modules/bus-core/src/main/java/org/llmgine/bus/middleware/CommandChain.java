package org.llmgine.bus.middleware;

/**
 * The rest of a command's middleware chain, ending in the handler.
 */
@FunctionalInterface
public interface CommandChain {

    /**
     * Runs the next middleware, or the handler if this is the last.
     *
     * @return the handler's value
     * @throws Exception what the next middleware or the handler threw
     */
    Object proceed() throws Exception;
}
