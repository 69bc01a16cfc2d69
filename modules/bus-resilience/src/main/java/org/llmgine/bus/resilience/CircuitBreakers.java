package org.llmgine.bus.resilience;

import java.time.InstantSource;
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
 * The circuit-breaker strategy of a {@link Pipeline}: one {@link CircuitBreaker} per key (per
 * command type by default, or per handler, or per header value such as the model provider), made
 * on first use. A call its breaker refuses fails at once with {@link FailureCause.CircuitOpen}
 * without reaching the handler; an admitted call's outcome is recorded, whether the handler threw
 * or returned a failure result (the Python bus's breaker never saw either, B-17).
 *
 * <pre>{@code
 * CircuitBreakers perProvider = CircuitBreakers.builder(CircuitBreakerConfig.defaults())
 *         .keyBy(KeyBy.header("provider"))
 *         .clock(busClock)
 *         .build();
 * }</pre>
 *
 * <p>Thread-safe. The success path of a closed breaker keyed by type takes no lock and allocates
 * nothing. The number of keys is bounded ({@link Builder#maxKeys}, default 1024): a call with a new
 * key past the bound fails with {@link FailureCause.Rejected} naming the bound.
 */
public final class CircuitBreakers implements Decorator {


    private final String name;
    private final CircuitBreakerConfig config;
    private final InstantSource clock;
    private final KeyBy keyBy;
    private final Keyed<CircuitBreaker> breakers;
    private final Builder naming;
    private final Listeners<CircuitBreaker.Transition> listeners;

    private CircuitBreakers(Builder b) {
        this.name = b.name;
        this.config = b.config;
        this.clock = b.clock;
        this.keyBy = b.keyBy;
        this.naming = b;
        String described = b.describe("circuit breakers");
        this.listeners = new Listeners<>("transition listener of " + described);
        this.breakers = new Keyed<>(described, "breaker", this::create, b.maxKeys);
    }

    /**
     * Makes breakers by {@code config}, one per command type, on the system clock.
     *
     * @param config the configuration of every breaker
     * @return the strategy
     */
    public static CircuitBreakers of(CircuitBreakerConfig config) {
        return builder(config).build();
    }

    /**
     * Starts building breakers by {@code config}.
     *
     * @param config the configuration of every breaker
     * @return a builder
     */
    public static Builder builder(CircuitBreakerConfig config) {
        return new Builder(Objects.requireNonNull(config, "config"));
    }

    private CircuitBreaker create(Object key) {
        CircuitBreaker breaker = new CircuitBreaker(naming.instanceName(key), config, clock);
        breaker.onTransition(listeners::tell);
        return breaker;
    }

    /**
     * Registers a listener of every breaker made from now on (a metrics binding registers its
     * meters there); it runs on the thread of the key's first call and must not block.
     *
     * @param listener the listener
     * @return an action that removes it
     */
    public Runnable onCreate(Consumer<CircuitBreaker> listener) {
        return breakers.onCreate(listener);
    }

    @Override
    public <R> CommandResult<R> decorate(Message message, @Nullable HandlerInfo handler, MessageContext context,
            Call<R> next) throws InterruptedException {
        Object key = keyBy.key(message, handler, context);
        CircuitBreaker breaker = breakers.get(key);
        if (breaker == null) {
            return CommandResult.failure(breakers.refusal(key));
        }
        return breaker.decorate(message, handler, context, next);
    }

    /**
     * Returns the breaker of {@code key} if a call with that key has run.
     *
     * @param key a key as the key function returns it (a command class, a header value)
     * @return the breaker
     */
    public Optional<CircuitBreaker> breaker(Object key) {
        return Optional.ofNullable(breakers.find(Objects.requireNonNull(key, "key")));
    }

    /**
     * Returns every breaker made so far, by name.
     *
     * @return the breakers
     */
    public Map<String, CircuitBreaker> breakers() {
        return breakers.byName(CircuitBreaker::name);
    }

    /**
     * Registers a listener of every breaker's transitions, present and future; see
     * {@link CircuitBreaker#onTransition}.
     *
     * @param listener the listener
     * @return an action that removes it
     */
    public Runnable onTransition(Consumer<CircuitBreaker.Transition> listener) {
        return listeners.add(listener);
    }

    /**
     * Returns the configuration of every breaker.
     *
     * @return the configuration
     */
    public CircuitBreakerConfig config() {
        return config;
    }

    @Override
    public String toString() {
        return "CircuitBreakers[" + (name.isEmpty() ? "" : name + ", ") + config + "]";
    }

    /** Builds {@link CircuitBreakers}; the name, clock, key function and key bound are set as for every keyed strategy. */
    public static final class Builder extends KeyedBuilder<Builder> {

        private final CircuitBreakerConfig config;

        private Builder(CircuitBreakerConfig config) {
            this.config = config;
        }

        @Override
        Builder self() {
            return this;
        }

        /**
         * Builds the strategy.
         *
         * @return the breakers
         */
        public CircuitBreakers build() {
            return new CircuitBreakers(this);
        }
    }
}
