package org.llmgine.bus.resilience;

import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;
import org.llmgine.bus.handler.HandlerInfo;
import org.llmgine.bus.handler.MessageContext;
import org.llmgine.bus.message.CommandResult;
import org.llmgine.bus.message.FailureCause;
import org.llmgine.bus.message.Message;

/**
 * The bulkhead strategy of a {@link Pipeline}: at most N calls at the same time per key (per
 * command type by default, or per handler, or per header value). A call that finds no permit
 * waits up to the maximum wait (default: not at all), then fails with
 * {@link FailureCause.BulkheadFull} without reaching the handler.
 *
 * <pre>{@code
 * Bulkheads toolCalls = Bulkheads.builder(8).maxWait(Duration.ofMillis(200)).clock(busClock).build();
 * }</pre>
 *
 * <p>Thread-safe; a call that gets a permit at once allocates nothing. The number of keys is bounded
 * ({@link Builder#maxKeys}, default 1024).
 */
public final class Bulkheads implements Decorator {

    private final int maxConcurrent;
    private final long maxWaitMillis;
    private final KeyBy keyBy;
    private final Keyed<Bulkhead> bulkheads;


    private Bulkheads(Builder b) {
        this.maxConcurrent = b.maxConcurrent;
        this.maxWaitMillis = Durations.millis(b.maxWait);
        this.keyBy = b.keyBy;
        this.bulkheads = new Keyed<>(b.describe("bulkheads"), "bulkhead",
                key -> new Bulkhead(b.instanceName(key), maxConcurrent, b.clock), b.maxKeys);
    }

    /**
     * Allows {@code maxConcurrent} calls at the same time per command type, refusing the rest at once.
     *
     * @param maxConcurrent at least 1
     * @return the strategy
     */
    public static Bulkheads of(int maxConcurrent) {
        return builder(maxConcurrent).build();
    }

    /**
     * Starts building bulkheads of {@code maxConcurrent} permits each.
     *
     * @param maxConcurrent at least 1
     * @return a builder
     */
    public static Builder builder(int maxConcurrent) {
        if (maxConcurrent < 1) {
            throw new IllegalArgumentException("maxConcurrent must be at least 1, but was " + maxConcurrent);
        }
        return new Builder(maxConcurrent);
    }

    @Override
    public <R> CommandResult<R> decorate(Message message, @Nullable HandlerInfo handler, MessageContext context,
            Call<R> next) throws InterruptedException {
        Object key = keyBy.key(message, handler, context);
        Bulkhead bulkhead = bulkheads.get(key);
        if (bulkhead == null) {
            return CommandResult.failure(bulkheads.refusal(key));
        }
        if (!bulkhead.enter(maxWaitMillis)) {
            return CommandResult.failure(new FailureCause.BulkheadFull(bulkhead.name(), maxConcurrent));
        }
        try {
            return next.call(context);
        } finally {
            bulkhead.exit();
        }
    }

    /**
     * Registers a listener of every bulkhead made from now on (a metrics binding registers its
     * meters there); it runs on the thread of the key's first call and must not block.
     *
     * @param listener the listener
     * @return an action that removes it
     */
    public Runnable onCreate(Consumer<Bulkhead> listener) {
        return bulkheads.onCreate(listener);
    }

    /**
     * Returns the bulkhead of {@code key} if a call with that key has run.
     *
     * @param key a key as the key function returns it
     * @return the bulkhead
     */
    public Optional<Bulkhead> bulkhead(Object key) {
        return Optional.ofNullable(bulkheads.find(Objects.requireNonNull(key, "key")));
    }

    /**
     * Returns every bulkhead made so far, by name.
     *
     * @return the bulkheads
     */
    public Map<String, Bulkhead> bulkheads() {
        return bulkheads.byName(Bulkhead::name);
    }

    @Override
    public String toString() {
        return "Bulkheads[" + maxConcurrent + " concurrent, wait " + maxWaitMillis + " ms]";
    }

    /** Builds {@link Bulkheads}; the name, clock, key function and key bound are set as for every keyed strategy. */
    public static final class Builder extends KeyedBuilder<Builder> {

        private final int maxConcurrent;
        private Duration maxWait = Duration.ZERO;

        private Builder(int maxConcurrent) {
            this.maxConcurrent = maxConcurrent;
        }

        /**
         * Sets how long a call may wait for a permit, on the clock (default zero: refused at once).
         *
         * @param maxWait not negative
         * @return this builder
         */
        public Builder maxWait(Duration maxWait) {
            this.maxWait = notNegative("maxWait", maxWait);
            return this;
        }

        @Override
        Builder self() {
            return this;
        }

        /**
         * Builds the strategy.
         *
         * @return the bulkheads
         */
        public Bulkheads build() {
            return new Bulkheads(this);
        }
    }
}
