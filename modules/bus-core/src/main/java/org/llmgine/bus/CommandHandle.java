package org.llmgine.bus;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import org.llmgine.bus.message.CommandResult;
import org.llmgine.bus.message.MessageId;

/**
 * A command started with {@code executeAsync}: its id, its result to come, and a way to stop it
 * ("stop generating").
 *
 * <p>{@link #cancel(String)} interrupts the running handler, or withdraws a pending approval, and
 * completes the result as a {@link org.llmgine.bus.message.FailureCause.Cancelled} failure; the
 * handler's context reports {@code isCancelled()}. The result's future always completes normally
 * with a result. Calling {@code cancel(true)} on that future does the same as
 * {@link #cancel(String)} (the future then completes normally with the Cancelled failure, so
 * {@code isCancelled()} of the future stays false).
 *
 * @param <R> the command's result type
 */
public interface CommandHandle<R> {

    /**
     * Returns the id the bus gave this execution.
     *
     * @return the command id (the handler's {@code context.messageId()})
     */
    MessageId commandId();

    /**
     * Returns the result to come.
     *
     * @return a future that always completes normally
     */
    CompletableFuture<CommandResult<R>> result();

    /**
     * Cancels the execution if it has not finished: a running handler is interrupted, a pending
     * approval is withdrawn, and the result becomes {@code Cancelled(reason)}.
     *
     * @param reason why, for the failure and the logs
     * @return true if this call cancelled it, false if it had already finished
     */
    boolean cancel(String reason);

    /**
     * Tells whether the result is known.
     *
     * @return true once the execution finished or was cancelled
     */
    boolean isDone();

    /**
     * Waits for the result.
     *
     * @return the result, never null
     * @throws InterruptedException if interrupted while waiting (the command keeps running)
     */
    CommandResult<R> await() throws InterruptedException;

    /**
     * Waits at most {@code timeout} for the result; when it elapses the command is cancelled and the
     * result is {@code TimedOut}.
     *
     * @param timeout how long to wait, not negative
     * @return the result, never null
     * @throws InterruptedException if interrupted while waiting (the command keeps running)
     */
    CommandResult<R> await(Duration timeout) throws InterruptedException;
}
