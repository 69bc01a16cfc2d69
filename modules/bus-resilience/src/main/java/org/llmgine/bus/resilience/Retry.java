package org.llmgine.bus.resilience;

import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Predicate;
import org.llmgine.bus.handler.CommandContext;
import org.llmgine.bus.message.Command;
import org.llmgine.bus.message.CommandResult;
import org.llmgine.bus.message.FailureCause;
import org.llmgine.bus.middleware.CommandChain;
import org.llmgine.bus.middleware.CommandMiddleware;

/**
 * Retries failed command executions by a {@link RetryPolicy}, as a command middleware: add it to
 * the bus's builder and it applies to every command it selects, without touching registrations.
 *
 * <pre>{@code
 * var bus = MessageBus.builder()
 *         .addCommandMiddleware(Retry.of(RetryPolicy.defaults()).forType(AskModel.class))
 *         .start();
 * }</pre>
 *
 * <p>Each attempt runs the rest of the chain with {@code context.withAttempt(n)}, so the handler
 * reads its attempt and the execution's one {@code CommandCompleted} reports the attempts. A thrown
 * exception counts as {@code HandlerThrew}; a failure result is judged the same way. A failure the
 * policy does not retry is returned as it is; when the attempts or the total duration run out the
 * result is {@link FailureCause.RetriesExhausted} with the attempts made and the last cause. Between
 * attempts the execution waits on the bus's clock ({@code context.sleep}), on the handler's own
 * virtual thread: an injected clock makes tests advance time instead of sleeping, and cancelling the
 * command interrupts the wait. Stateless and thread-safe.
 */
public final class Retry implements CommandMiddleware {

    private final RetryPolicy policy;
    private final InstantSource clock;
    private final Predicate<Command<?>> selects;

    private Retry(RetryPolicy policy, InstantSource clock, Predicate<Command<?>> selects) {
        this.policy = policy;
        this.clock = clock;
        this.selects = selects;
    }

    /**
     * Retries every command by {@code policy}, measuring the total duration on the system clock.
     *
     * @param policy the policy
     * @return the middleware
     */
    public static Retry of(RetryPolicy policy) {
        return new Retry(Objects.requireNonNull(policy, "policy"), InstantSource.system(), command -> true);
    }

    /**
     * Returns this retry measuring the total duration on {@code clock}: give it the bus's clock.
     *
     * @param clock the bus's clock
     * @return a retry that differs only in its clock
     */
    public Retry withClock(InstantSource clock) {
        return new Retry(policy, Objects.requireNonNull(clock, "clock"), selects);
    }

    /**
     * Returns this retry applied to commands of {@code type} only (exact class); others pass through.
     *
     * @param type the command class
     * @return a retry that selects only that type
     */
    public Retry forType(Class<?> type) {
        Objects.requireNonNull(type, "type");
        return new Retry(policy, clock, command -> command.getClass() == type);
    }

    /**
     * Returns the policy.
     *
     * @return the policy
     */
    public RetryPolicy policy() {
        return policy;
    }

    @Override
    public <R> CommandResult<R> handle(Command<R> command, CommandContext context, CommandChain<R> chain)
            throws Exception {
        if (!selects.test(command)) {
            return chain.proceed();
        }
        Instant start = clock.instant();
        Optional<Duration> total = policy.maxTotalDuration();
        for (int attempt = 1; ; attempt++) {
            CommandResult<R> result;
            try {
                result = chain.proceed(context.withAttempt(attempt));
            } catch (InterruptedException e) {
                throw e; // cancelled: not a failure to retry
            } catch (Exception e) {
                result = CommandResult.failure(new FailureCause.HandlerThrew(e));
            }
            if (!(result instanceof CommandResult.Failure<R> failure)) {
                return result;
            }
            FailureCause cause = failure.cause();
            if (!policy.retries(cause)) {
                return result;
            }
            if (attempt >= policy.maxAttempts()) {
                return CommandResult.failure(new FailureCause.RetriesExhausted(attempt, cause));
            }
            Duration delay = Backoff.delay(policy, attempt, cause, ThreadLocalRandom.current().nextDouble());
            if (total.isPresent()
                    && Duration.between(start, clock.instant()).plus(delay).compareTo(total.get()) > 0) {
                return CommandResult.failure(new FailureCause.RetriesExhausted(attempt, cause));
            }
            context.sleep(delay);
        }
    }

    @Override
    public String toString() {
        return "Retry[" + policy + "]";
    }
}
