package org.llmgine.bus.internal;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import org.llmgine.bus.message.CommandResult;

/**
 * The future of a command's result. It always completes normally with a result, and only the bus
 * completes it ({@link #settle}). What would complete a plain {@link CompletableFuture} from
 * outside acts on the command instead, so the future never ends while the command runs on:
 * {@code cancel} and {@code completeExceptionally} cancel the command (interrupting its handler or
 * withdrawing its approval) and the future completes with the Cancelled failure; {@code orTimeout}
 * stops it with {@code TimedOut} when the timeout elapses; {@code complete}, {@code obtrude...},
 * {@code completeOnTimeout} and {@code completeAsync}, which would make up a result the command
 * never produced, throw {@link UnsupportedOperationException}.
 */
final class ResultFuture extends CompletableFuture<CommandResult<Object>> {

    private final @Nullable CommandRun run;

    ResultFuture(@Nullable CommandRun run) {
        this.run = run;
    }

    /** A future already completed with {@code result} (no run behind it). */
    static ResultFuture of(CommandResult<Object> result) {
        var future = new ResultFuture(null);
        future.settle(result);
        return future;
    }

    /**
     * Completes the future with the command's result: the bus's one way to complete it.
     *
     * @return true if this call completed it
     */
    boolean settle(CommandResult<Object> result) {
        return super.complete(result);
    }

    /**
     * Cancels the command: its result becomes {@code Cancelled}.
     *
     * @param mayInterruptIfRunning ignored: the handler is always interrupted
     * @return true if this call cancelled the command
     */
    @Override
    public boolean cancel(boolean mayInterruptIfRunning) {
        if (run == null || !run.cancel("the command's future was cancelled")) {
            return false;
        }
        join(); // Future's contract: done once cancel returned true (a withdrawn approval settles at once)
        return true;
    }

    /**
     * Cancels the command, naming {@code ex} as the reason: the future then completes normally with
     * the Cancelled failure, never exceptionally.
     *
     * @param ex why the caller gives up
     * @return true if this call cancelled the command
     */
    @Override
    public boolean completeExceptionally(Throwable ex) {
        Objects.requireNonNull(ex, "ex");
        return run != null && run.cancel("the command's future was completed exceptionally with " + ex);
    }

    /**
     * Stops the command with {@code TimedOut} if it has not finished within the timeout; the future
     * then completes normally with that failure. A timeout beyond what a {@link Duration} holds
     * sets none.
     *
     * @param timeout how long, in {@code unit}
     * @param unit the unit of {@code timeout}
     * @return this future
     */
    @Override
    public CompletableFuture<CommandResult<Object>> orTimeout(long timeout, TimeUnit unit) {
        Objects.requireNonNull(unit, "unit");
        if (run != null) {
            Duration duration;
            try {
                duration = Duration.of(Math.max(0L, timeout), unit.toChronoUnit());
            } catch (ArithmeticException tooLong) {
                return this;
            }
            run.timeOutAfter(duration);
        }
        return this;
    }

    /**
     * Refused: only the bus completes a command's result.
     *
     * @param value ignored
     * @return never
     * @throws UnsupportedOperationException always; cancel the command instead
     */
    @Override
    public boolean complete(CommandResult<Object> value) {
        throw refused("complete");
    }

    /**
     * Refused: only the bus completes a command's result.
     *
     * @param value ignored
     * @throws UnsupportedOperationException always
     */
    @Override
    public void obtrudeValue(CommandResult<Object> value) {
        throw refused("obtrudeValue");
    }

    /**
     * Refused: the future never completes exceptionally.
     *
     * @param ex ignored
     * @throws UnsupportedOperationException always
     */
    @Override
    public void obtrudeException(Throwable ex) {
        throw refused("obtrudeException");
    }

    /**
     * Refused: a made-up result would hide the command's own.
     *
     * @param value ignored
     * @param timeout ignored
     * @param unit ignored
     * @return never
     * @throws UnsupportedOperationException always; use {@code orTimeout} or
     *     {@code CommandHandle.await(Duration)}, which stop the command with {@code TimedOut}
     */
    @Override
    public CompletableFuture<CommandResult<Object>> completeOnTimeout(CommandResult<Object> value, long timeout,
            TimeUnit unit) {
        throw refused("completeOnTimeout");
    }

    /**
     * Refused: only the bus completes a command's result.
     *
     * @param supplier ignored
     * @param executor ignored
     * @return never
     * @throws UnsupportedOperationException always
     */
    @Override
    public CompletableFuture<CommandResult<Object>> completeAsync(Supplier<? extends CommandResult<Object>> supplier,
            Executor executor) {
        throw refused("completeAsync");
    }

    /**
     * Refused: only the bus completes a command's result.
     *
     * @param supplier ignored
     * @return never
     * @throws UnsupportedOperationException always
     */
    @Override
    public CompletableFuture<CommandResult<Object>> completeAsync(Supplier<? extends CommandResult<Object>> supplier) {
        throw refused("completeAsync");
    }

    /** The exception every refused way of completing the future from outside throws. */
    private static UnsupportedOperationException refused(String method) {
        return new UnsupportedOperationException(method + " on a command's result future: only the bus completes it;"
                + " cancel the command (cancel, completeExceptionally) or give it a deadline (orTimeout) instead");
    }

    /** Dependent stages are plain futures; only this one cancels the command. */
    @Override
    public <U> CompletableFuture<U> newIncompleteFuture() {
        return new CompletableFuture<>();
    }
}
