package org.llmgine.bus.middleware;

import org.llmgine.bus.handler.EventContext;
import org.llmgine.bus.handler.HandlerInfo;
import org.llmgine.bus.message.Event;

/**
 * Wraps each event handler invocation (one event with three handlers passes through the chain
 * three times). Call {@code chain.proceed()} to run the handler; not calling it skips the handler,
 * which still counts as invoked; throwing counts as a handler failure.
 */
@FunctionalInterface
public interface EventMiddleware {

    /**
     * Handles one handler invocation.
     *
     * @param event the event
     * @param context its context
     * @param handler the handler about to run
     * @param chain the rest of the chain
     * @throws Exception to fail this handler invocation
     */
    void handle(Event event, EventContext context, HandlerInfo handler, EventChain chain) throws Exception;
}
