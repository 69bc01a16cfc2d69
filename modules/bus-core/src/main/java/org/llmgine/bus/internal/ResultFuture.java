package org.llmgine.bus.internal;

import java.util.concurrent.CompletableFuture;
import org.jspecify.annotations.Nullable;
import org.llmgine.bus.message.CommandResult;

/**
 * The future of a command's result. It always completes normally with a result; {@code cancel}
 * cancels the command itself (interrupting its handler or withdrawing its approval) so that the
 * future completes with the Cancelled failure, instead of completing exceptionally while the
 * command runs on, which is what a plain {@link CompletableFuture#cancel} would do.
 */
final class ResultFuture extends CompletableFuture<CommandResult<Object>> {

    private final @Nullable CommandRun run;

    ResultFuture(@Nullable CommandRun run) {
        this.run = run;
    }

    /** A future already completed with {@code result} (no run behind it). */
    static ResultFuture of(CommandResult<Object> result) {
        var future = new ResultFuture(null);
        future.complete(result);
        return future;
    }

    /**
     * Cancels the command: its result becomes {@code Cancelled}.
     *
     * @param mayInterruptIfRunning ignored: the handler is always interrupted
     * @return true if this call cancelled the command
     */
    @Override
    public boolean cancel(boolean mayInterruptIfRunning) {
        return run != null && run.cancel("the command's future was cancelled");
    }

    /** Dependent stages are plain futures; only this one cancels the command. */
    @Override
    public <U> CompletableFuture<U> newIncompleteFuture() {
        return new CompletableFuture<>();
    }
}
