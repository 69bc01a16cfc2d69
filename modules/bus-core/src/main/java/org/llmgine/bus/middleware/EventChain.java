package org.llmgine.bus.middleware;

import org.llmgine.bus.handler.EventContext;

/**
 * The rest of an event handler invocation's middleware chain, ending in the handler.
 */
public interface EventChain {

    /**
     * Runs the next middleware, or the handler if this is the last.
     *
     * @throws Exception what the next middleware or the handler threw
     */
    void proceed() throws Exception;

    /**
     * Runs the rest of the chain with another context for it, for example
     * {@code chain.proceed(context.withAttempt(n))} in a retry middleware.
     *
     * @param context the context the next middleware and the handler receive; one of this event's
     * @throws Exception what the next middleware or the handler threw
     */
    void proceed(EventContext context) throws Exception;
}
