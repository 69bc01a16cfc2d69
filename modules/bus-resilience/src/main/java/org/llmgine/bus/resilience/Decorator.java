package org.llmgine.bus.resilience;

import org.jspecify.annotations.Nullable;
import org.llmgine.bus.handler.HandlerInfo;
import org.llmgine.bus.handler.MessageContext;
import org.llmgine.bus.message.CommandResult;
import org.llmgine.bus.message.Message;

/**
 * The one shape of every resilience strategy, for command handlers and event handlers alike: it
 * receives the call about to run and the rest of the pipeline, and returns a result. A command's
 * result is its {@link CommandResult}; an event handler's is {@code CommandResult<Void>}, a success
 * when the handler returned and a {@code HandlerThrew} failure when it threw. Failures are values
 * inside a pipeline: the only exception a decorator sees is {@link InterruptedException}, which
 * means the call was cancelled and must propagate.
 *
 * <pre>{@code
 * final class Audit implements Decorator {
 *     public <R> CommandResult<R> decorate(Message message, @Nullable HandlerInfo handler,
 *             MessageContext context, Call<R> next) throws InterruptedException {
 *         CommandResult<R> result = next.call(context);
 *         if (result instanceof CommandResult.Failure<R> failure) {
 *             log.warn(message.getClass().getSimpleName() + " failed: " + failure.cause().describe());
 *         }
 *         return result;
 *     }
 * }
 * }</pre>
 *
 * <p>A decorator calls {@code next} on the thread that called it, once at a time (a retry calls it
 * again after the previous call returned); it may pass another context of the same message, such
 * as {@code context.withAttempt(n)}. Decorators are shared by every call they apply to, so they
 * must be thread-safe.
 */
public interface Decorator {

    /**
     * Runs one call through this decorator.
     *
     * @param message the command or event being handled
     * @param handler the event handler about to run, or null for a command (one handler per type)
     * @param context the message's context
     * @param next the rest of the pipeline, ending in the handler
     * @param <R> the result type
     * @return the result of {@code next}, or a failure of this decorator's own
     * @throws InterruptedException if the call was cancelled
     */
    <R> CommandResult<R> decorate(Message message, @Nullable HandlerInfo handler, MessageContext context, Call<R> next)
            throws InterruptedException;
}
