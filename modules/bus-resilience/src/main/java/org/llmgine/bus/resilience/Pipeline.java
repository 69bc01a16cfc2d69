package org.llmgine.bus.resilience;

import java.time.Duration;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;
import org.llmgine.bus.handler.HandlerInfo;
import org.llmgine.bus.handler.MessageContext;
import org.llmgine.bus.message.CommandResult;
import org.llmgine.bus.message.Message;

/**
 * Strategies composed around a handler, outermost first. {@link #builder()} puts them in the
 * default order whatever order they are set in:
 *
 * <ol>
 *   <li>bulkhead: a call waits for, or is refused, a permit before anything else runs;</li>
 *   <li>total timeout: bounds the attempts and the waits between them together;</li>
 *   <li>retry: each attempt runs everything below it again;</li>
 *   <li>rate limiter: every attempt takes a token, so retries respect the quota, and a refusal's
 *       wait becomes the retry's delay;</li>
 *   <li>circuit breaker: sees every failed attempt, so it opens while a retry is still trying;</li>
 *   <li>attempt timeout: bounds one attempt, and a timed-out attempt counts in the breaker;</li>
 *   <li>the handler.</li>
 * </ol>
 *
 * {@link #of(Decorator...)} keeps the order it is given, for other compositions: a breaker outside
 * the retry counts whole executions instead of attempts, a bulkhead inside the retry gives up its
 * permit during the backoff. A pipeline is itself a {@link Decorator}, so pipelines nest.
 *
 * <pre>{@code
 * Pipeline modelCalls = Pipeline.builder()
 *         .clock(busClock)
 *         .retry(RetryPolicy.defaults())
 *         .circuitBreaker(CircuitBreakers.builder(CircuitBreakerConfig.defaults())
 *                 .keyBy(KeyBy.header("provider")).clock(busClock).build())
 *         .attemptTimeout(Duration.ofSeconds(30))
 *         .build();
 * }</pre>
 */
public final class Pipeline implements Decorator {

    private static final Decorator[] NONE = new Decorator[0];

    private final Decorator[] stages;

    private Pipeline(List<Decorator> stages) {
        this.stages = stages.toArray(NONE);
    }

    /**
     * Composes {@code stages} in the order given, outermost first.
     *
     * @param stages the decorators
     * @return the pipeline
     */
    public static Pipeline of(Decorator... stages) {
        List<Decorator> list = new ArrayList<>();
        for (Decorator stage : stages) {
            list.add(Objects.requireNonNull(stage, "a pipeline stage is null"));
        }
        return new Pipeline(list);
    }

    /**
     * Starts a pipeline in the default order.
     *
     * @return a builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Returns the stages, outermost first.
     *
     * @return the decorators
     */
    public List<Decorator> stages() {
        return List.of(stages);
    }

    @Override
    public <R> CommandResult<R> decorate(Message message, @Nullable HandlerInfo handler, MessageContext context,
            Call<R> next) throws InterruptedException {
        if (stages.length == 0) {
            return next.call(context);
        }
        return new Cursor<>(stages, message, handler, next).call(context);
    }

    /**
     * Composes the pipeline around {@code call} once, for a call made many times outside the bus's
     * middleware (a client inside a handler): each run allocates nothing of the pipeline's own.
     *
     * @param message the message the calls are for (keys are taken from it)
     * @param handler the event handler, or null
     * @param call the call to guard
     * @param <R> the result type
     * @return the guarded call
     */
    public <R> Call<R> wrap(Message message, @Nullable HandlerInfo handler, Call<R> call) {
        Objects.requireNonNull(message, "message");
        Call<R> current = Objects.requireNonNull(call, "call");
        for (int i = stages.length - 1; i >= 0; i--) {
            Decorator stage = stages[i];
            Call<R> inner = current;
            current = context -> stage.decorate(message, handler, context, inner);
        }
        return current;
    }

    @Override
    public String toString() {
        return "Pipeline" + List.of(stages);
    }

    /**
     * Runs the stages one after the other on the calling thread: the index moves down on the way
     * in and back on the way out, so a stage may call the rest again (a retry) without a new
     * object per stage.
     */
    private static final class Cursor<R> implements Call<R> {
        private final Decorator[] stages;
        private final Message message;
        private final @Nullable HandlerInfo handler;
        private final Call<R> end;
        private int index;

        Cursor(Decorator[] stages, Message message, @Nullable HandlerInfo handler, Call<R> end) {
            this.stages = stages;
            this.message = message;
            this.handler = handler;
            this.end = end;
        }

        @Override
        public CommandResult<R> call(MessageContext context) throws InterruptedException {
            int i = index;
            if (i == stages.length) {
                return end.call(context);
            }
            index = i + 1;
            try {
                return stages[i].decorate(message, handler, context, this);
            } finally {
                index = i;
            }
        }
    }

    /** Builds a {@link Pipeline} in the default order; each strategy is optional and set once. */
    public static final class Builder {

        private InstantSource clock = InstantSource.system();
        private @Nullable Decorator bulkhead;
        private @Nullable Duration totalTimeout;
        private @Nullable RetryPolicy retry;
        private @Nullable Decorator rateLimiter;
        private @Nullable Decorator circuitBreaker;
        private @Nullable Duration attemptTimeout;

        private Builder() {
        }

        /**
         * Sets the clock of the retry and timeouts this builder makes (default the system clock):
         * give it the bus's. Strategies passed in ready-made keep their own.
         *
         * @param clock the clock
         * @return this builder
         */
        public Builder clock(InstantSource clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /**
         * Sets the bulkhead, the outermost stage.
         *
         * @param bulkheads the strategy
         * @return this builder
         */
        public Builder bulkhead(Bulkheads bulkheads) {
            this.bulkhead = Objects.requireNonNull(bulkheads, "bulkheads");
            return this;
        }

        /**
         * Bounds all attempts and the waits between them together.
         *
         * @param timeout at least a millisecond
         * @return this builder
         */
        public Builder totalTimeout(Duration timeout) {
            Objects.requireNonNull(timeout, "timeout");
            Timeout.of(timeout); // validates now, not at build
            this.totalTimeout = timeout;
            return this;
        }

        /**
         * Retries by {@code policy}.
         *
         * @param policy the retry policy
         * @return this builder
         */
        public Builder retry(RetryPolicy policy) {
            this.retry = Objects.requireNonNull(policy, "policy");
            return this;
        }

        /**
         * Sets the rate limiter, inside the retry.
         *
         * @param limiters the strategy
         * @return this builder
         */
        public Builder rateLimiter(RateLimiters limiters) {
            this.rateLimiter = Objects.requireNonNull(limiters, "limiters");
            return this;
        }

        /**
         * Sets the circuit breakers, inside the retry, so they count every attempt.
         *
         * @param breakers the strategy
         * @return this builder
         */
        public Builder circuitBreaker(CircuitBreakers breakers) {
            this.circuitBreaker = Objects.requireNonNull(breakers, "breakers");
            return this;
        }

        /**
         * Bounds each attempt.
         *
         * @param timeout at least a millisecond
         * @return this builder
         */
        public Builder attemptTimeout(Duration timeout) {
            Objects.requireNonNull(timeout, "timeout");
            Timeout.of(timeout);
            this.attemptTimeout = timeout;
            return this;
        }

        /**
         * Builds the pipeline in the default order.
         *
         * @return the pipeline
         */
        public Pipeline build() {
            List<Decorator> stages = new ArrayList<>();
            if (bulkhead != null) {
                stages.add(bulkhead);
            }
            if (totalTimeout != null) {
                stages.add(Timeout.of(totalTimeout, clock));
            }
            if (retry != null) {
                stages.add(Retry.of(retry).withClock(clock));
            }
            if (rateLimiter != null) {
                stages.add(rateLimiter);
            }
            if (circuitBreaker != null) {
                stages.add(circuitBreaker);
            }
            if (attemptTimeout != null) {
                stages.add(Timeout.of(attemptTimeout, clock));
            }
            return new Pipeline(stages);
        }
    }
}
