package org.llmgine.bus.internal;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.jspecify.annotations.Nullable;
import org.llmgine.bus.CommandHandle;
import org.llmgine.bus.base.Checks;
import org.llmgine.bus.message.CommandResult;
import org.llmgine.bus.message.MessageId;

/**
 * The {@link CommandHandle} of a command started with {@code executeAsync}: over its run, or over a
 * result known at once (no handler, refused, zero timeout).
 *
 * @param <R> the command's result type
 */
final class Handle<R> implements CommandHandle<R> {

    private final MessageId id;
    private final @Nullable CommandRun run;
    private final ResultFuture future;

    Handle(MessageId id, @Nullable CommandRun run, ResultFuture future) {
        this.id = id;
        this.run = run;
        this.future = future;
    }

    @Override
    public MessageId commandId() {
        return id;
    }

    @Override
    @SuppressWarnings("unchecked") // the run's value comes from the handler registered for the command's class
    public CompletableFuture<CommandResult<R>> result() {
        return (CompletableFuture<CommandResult<R>>) (CompletableFuture<?>) future;
    }

    @Override
    public boolean cancel(String reason) {
        Checks.notBlank("reason", reason);
        return run != null && run.cancel(reason);
    }

    @Override
    public boolean isDone() {
        return future.isDone();
    }

    @Override
    @SuppressWarnings("unchecked")
    public CommandResult<R> await() throws InterruptedException {
        Binding before = run == null ? null : run.awaitedFrom(Binding.current());
        try {
            return (CommandResult<R>) (CommandResult<?>) future.get();
        } catch (ExecutionException e) {
            throw new IllegalStateException("command future completed exceptionally, which the bus never does", e);
        } finally {
            if (run != null) {
                run.awaitEnded(before);
            }
        }
    }

    @Override
    @SuppressWarnings("unchecked")
    public CommandResult<R> await(Duration timeout) throws InterruptedException {
        Checks.notNegative("timeout", timeout);
        long nanos = CommandRun.saturatedNanos(timeout); // a timeout beyond ~292 years waits forever
        Binding before = run == null ? null : run.awaitedFrom(Binding.current());
        try {
            return (CommandResult<R>) (CommandResult<?>) (nanos == Long.MAX_VALUE ? future.get()
                    : future.get(nanos, TimeUnit.NANOSECONDS));
        } catch (TimeoutException e) {
            if (run != null) {
                run.timedOut(timeout);
            }
            return (CommandResult<R>) (CommandResult<?>) future.join();
        } catch (ExecutionException e) {
            throw new IllegalStateException("command future completed exceptionally, which the bus never does", e);
        } finally {
            if (run != null) {
                run.awaitEnded(before);
            }
        }
    }

    @Override
    public String toString() {
        return "CommandHandle[" + id + (future.isDone() ? ", done" : ", running") + "]";
    }
}
