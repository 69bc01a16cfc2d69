package org.llmgine.bus.resilience;

import java.time.Instant;
import java.time.InstantSource;
import org.jspecify.annotations.Nullable;
import org.llmgine.bus.handler.CommandContext;
import org.llmgine.bus.handler.EventContext;
import org.llmgine.bus.handler.MessageContext;
import org.llmgine.bus.message.CommandResult;
import org.llmgine.bus.message.FailureCause;
import org.llmgine.bus.middleware.CommandChain;
import org.llmgine.bus.middleware.EventChain;

/**
 * The end of a policy's pipeline: the rest of the bus's middleware chain and the handler. It turns
 * whatever the handler throws (an Error too) into a {@code HandlerThrew} failure, so every strategy
 * sees failures as values; only an interrupt from a cancellation or a fired timeout propagates. It
 * counts the attempts and remembers when the first one failed. One per guarded call.
 *
 * @param <R> the result type
 */
abstract class Attempts<R> implements Call<R> {

    /** The cause an interrupted attempt is counted with in the statistics. */
    static final FailureCause INTERRUPTED = new FailureCause.Cancelled("the attempt was interrupted (by a timeout or a"
            + " cancellation)");

    private final InstantSource clock;
    private final ErrorStats.Counter counter;
    private final ErrorStats.@Nullable Counter keyed;
    private int made;
    private @Nullable Instant firstFailure;

    Attempts(InstantSource clock, ErrorStats.Counter counter, ErrorStats.@Nullable Counter keyed) {
        this.clock = clock;
        this.counter = counter;
        this.keyed = keyed;
    }

    abstract CommandResult<R> proceed(MessageContext context) throws Exception;

    @Override
    public final CommandResult<R> call(MessageContext context) throws InterruptedException {
        CommandResult<R> result;
        try {
            result = proceed(context);
        } catch (InterruptedException e) {
            if (context.isCancelled() || Watchdog.firedOnThisThread()) {
                // cut by a cancellation or a timeout (the stage that catches it decides which): the
                // attempt reached the handler and did not succeed, so it counts as a failed attempt
                count(INTERRUPTED);
                throw e;
            }
            // nobody cut it: the handler (or a library under it) threw an InterruptedException of its own
            result = CommandResult.failure(new FailureCause.HandlerThrew(e));
        } catch (Exception | Error e) {
            // an Error too: the bus counts every Throwable as the handler's failure, and so must the pipeline
            result = CommandResult.failure(new FailureCause.HandlerThrew(e));
        }
        count(result instanceof CommandResult.Failure<R> f ? f.cause() : null);
        return result;
    }

    private void count(@Nullable FailureCause failure) {
        made++;
        if (failure != null && firstFailure == null) {
            firstFailure = clock.instant();
        }
        counter.attempt(failure, clock);
        if (keyed != null) {
            keyed.attempt(failure, clock);
        }
    }

    /** Attempts that reached the handler's chain. */
    int made() {
        return made;
    }

    /** When the first attempt failed; now if none did (the pipeline failed it before the handler). */
    Instant firstFailure() {
        Instant first = firstFailure;
        return first != null ? first : clock.instant();
    }

    /** A command's attempts. */
    static final class OfCommand<R> extends Attempts<R> {
        private final CommandChain<R> chain;

        OfCommand(CommandChain<R> chain, InstantSource clock, ErrorStats.Counter counter,
                ErrorStats.@Nullable Counter keyed) {
            super(clock, counter, keyed);
            this.chain = chain;
        }

        @Override
        CommandResult<R> proceed(MessageContext context) throws Exception {
            if (!(context instanceof CommandContext command)) {
                throw new IllegalArgumentException("a decorator passed a context that is not the command's: " + context);
            }
            return chain.proceed(command);
        }
    }

    /** An event handler's attempts. */
    static final class OfEvent extends Attempts<Void> {
        private final EventChain chain;

        OfEvent(EventChain chain, InstantSource clock, ErrorStats.Counter counter, ErrorStats.@Nullable Counter keyed) {
            super(clock, counter, keyed);
            this.chain = chain;
        }

        @Override
        CommandResult<Void> proceed(MessageContext context) throws Exception {
            if (!(context instanceof EventContext event)) {
                throw new IllegalArgumentException("a decorator passed a context that is not the event's: " + context);
            }
            chain.proceed(event);
            return CommandResult.done();
        }
    }
}
