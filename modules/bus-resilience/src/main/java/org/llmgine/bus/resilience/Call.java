package org.llmgine.bus.resilience;

import org.llmgine.bus.handler.MessageContext;
import org.llmgine.bus.message.CommandResult;

/**
 * The rest of a pipeline, ending in the handler: what a {@link Decorator} decorates. Failures are
 * results, never exceptions; an {@link InterruptedException} means the call was cancelled.
 *
 * @param <R> the result type
 */
@FunctionalInterface
public interface Call<R> {

    /**
     * Runs the rest of the pipeline.
     *
     * @param context the context for it: the caller's, or a view of it such as {@code withAttempt(n)}
     * @return the result
     * @throws InterruptedException if the call was cancelled
     */
    CommandResult<R> call(MessageContext context) throws InterruptedException;
}
