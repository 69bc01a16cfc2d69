/**
 * Handlers and what they see: {@link org.llmgine.bus.handler.CommandHandler},
 * {@link org.llmgine.bus.handler.EventHandler} and its one-argument form
 * {@link org.llmgine.bus.handler.EventListener}, the {@link org.llmgine.bus.handler.EventContext}
 * and {@link org.llmgine.bus.handler.CommandContext} they receive, and the
 * {@link org.llmgine.bus.handler.Registration} every registration returns.
 *
 * <p><b>Threading.</b> Handlers run on virtual threads owned by the bus, so blocking calls (an HTTP
 * request to a model, a database query) are fine inside them. Event handlers of one session run in
 * the order the session's events were accepted; handlers of different sessions run in parallel.
 * Within one event, handlers run in priority groups: every handler of a group finishes before the
 * next group starts, and the handlers of one group run concurrently. A handler may be interrupted
 * when the bus closes past its deadline: restore the flag and return.
 */
@NullMarked
package org.llmgine.bus.handler;

import org.jspecify.annotations.NullMarked;
