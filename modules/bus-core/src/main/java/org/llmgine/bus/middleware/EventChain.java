package org.llmgine.bus.middleware;

/**
 * The rest of an event handler invocation's middleware chain, ending in the handler.
 */
@FunctionalInterface
public interface EventChain {

    /**
     * Runs the next middleware, or the handler if this is the last.
     *
     * @throws Exception what the next middleware or the handler threw
     */
    void proceed() throws Exception;
}
