package org.llmgine.bus.resilience;

import java.time.Duration;
import java.time.InstantSource;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.LongAdder;
import org.jspecify.annotations.Nullable;
import org.llmgine.bus.handler.HandlerInfo;
import org.llmgine.bus.handler.MessageContext;
import org.llmgine.bus.message.CommandResult;
import org.llmgine.bus.message.FailureCause;
import org.llmgine.bus.message.Message;

/**
 * Retries failed calls by a {@link RetryPolicy}: the retry strategy of a {@link Pipeline}.
 *
 * <p>Each attempt runs the rest of the pipeline with {@code context.withAttempt(n)}, so the handler
 * reads its attempt and the execution's one {@code CommandCompleted} reports the attempts made.
 * Failures are judged by the policy whether the handler threw or returned a failure result. A
 * failure the policy does not retry is returned as it is; when the attempts or the total duration
 * run out the result is {@link FailureCause.RetriesExhausted} with the attempts made and the last
 * cause. Between attempts the call waits with {@code context.sleep}, on the handler's own virtual
 * thread and on the bus's clock: an injected clock makes tests advance time instead of sleeping,
 * and cancelling the command interrupts the wait. The total duration is measured on this retry's
 * clock (give it the bus's). Thread-safe; it keeps only counts of its calls by outcome
 * ({@link #calls()}); the success path allocates nothing.
 */
public final class Retry implements Decorator {

    private final RetryPolicy policy;
    private final InstantSource clock;
    private final long maxTotalMillis;
    private final LongAdder successfulWithoutRetry = new LongAdder();
    private final LongAdder successfulWithRetry = new LongAdder();
    private final LongAdder failedWithoutRetry = new LongAdder();
    private final LongAdder failedWithRetry = new LongAdder();

    private Retry(RetryPolicy policy, InstantSource clock) {
        this.policy = policy;
        this.clock = clock;
        this.maxTotalMillis = policy.maxTotalDuration().map(Durations::millis).orElse(-1L);
    }

    /**
     * Retries by {@code policy}, measuring the total duration on the system clock.
     *
     * @param policy the policy
     * @return the retry
     */
    public static Retry of(RetryPolicy policy) {
        return new Retry(Objects.requireNonNull(policy, "policy"), InstantSource.system());
    }

    /**
     * Returns this retry measuring the total duration on {@code clock}: give it the bus's clock.
     *
     * @param clock the bus's clock
     * @return a retry that differs only in its clock
     */
    public Retry withClock(InstantSource clock) {
        return new Retry(policy, Objects.requireNonNull(clock, "clock"));
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
    public <R> CommandResult<R> decorate(Message message, @Nullable HandlerInfo handler, MessageContext context,
            Call<R> next) throws InterruptedException {
        long start = maxTotalMillis >= 0 ? clock.millis() : 0;
        for (int attempt = 1; ; attempt++) {
            if (attempt > 1 && (context.isCancelled() || Watchdog.firedOnThisThread())) {
                // the handler swallowed the interrupt of a cancel or of an enclosing timeout: no new attempt
                throw new InterruptedException("the call was cancelled or timed out; no attempt " + attempt);
            }
            CommandResult<R> result = next.call(attempt == 1 ? context : context.withAttempt(attempt));
            if (!(result instanceof CommandResult.Failure<R> failure)) {
                (attempt == 1 ? successfulWithoutRetry : successfulWithRetry).increment();
                return result;
            }
            FailureCause cause = failure.cause();
            if (!policy.retries(cause)) {
                return failed(attempt, result);
            }
            if (attempt >= policy.maxAttempts()) {
                return failed(attempt, CommandResult.failure(new FailureCause.RetriesExhausted(attempt, cause)));
            }
            Duration delay = Backoff.delay(policy, attempt, cause, ThreadLocalRandom.current().nextDouble());
            if (maxTotalMillis >= 0 && Durations.plus(clock.millis() - start, Durations.millis(delay)) > maxTotalMillis) {
                return failed(attempt, CommandResult.failure(new FailureCause.RetriesExhausted(attempt, cause)));
            }
            if (context.isCancelled() || Watchdog.firedOnThisThread()) {
                throw new InterruptedException("the call was cancelled or timed out; no backoff before attempt "
                        + (attempt + 1));
            }
            context.sleep(delay);
        }
    }

    private <R> CommandResult<R> failed(int attempts, CommandResult<R> result) {
        (attempts == 1 ? failedWithoutRetry : failedWithRetry).increment();
        return result;
    }

    /**
     * How many calls this retry has run, by outcome (as Resilience4j counts them): the counts a
     * metrics binding exports. A cancelled call is in none of them.
     *
     * @param successfulWithoutRetry succeeded at the first attempt
     * @param successfulWithRetry succeeded after one or more retries
     * @param failedWithoutRetry failed at the first attempt and were not retried
     * @param failedWithRetry failed after one or more retries
     */
    public record Calls(long successfulWithoutRetry, long successfulWithRetry, long failedWithoutRetry,
            long failedWithRetry) {
    }

    /**
     * Returns the calls run so far, by outcome.
     *
     * @return the counts
     */
    public Calls calls() {
        return new Calls(successfulWithoutRetry.sum(), successfulWithRetry.sum(), failedWithoutRetry.sum(),
                failedWithRetry.sum());
    }

    @Override
    public String toString() {
        return "Retry[" + policy + "]";
    }
}
