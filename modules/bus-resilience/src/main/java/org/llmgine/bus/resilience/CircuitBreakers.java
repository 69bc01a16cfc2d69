package org.llmgine.bus.resilience;

import java.time.InstantSource;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
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

    private static final System.Logger LOG = System.getLogger("org.llmgine.bus.resilience");

    private final String name;
    private final CircuitBreakerConfig config;
    private final InstantSource clock;
    private final KeyBy keyBy;
    private final Keyed<CircuitBreaker> breakers;
    private final String described;
    private final Builder naming;
    private final List<Consumer<CircuitBreaker.Transition>> listeners = new CopyOnWriteArrayList<>();
    private final List<Consumer<CircuitBreaker>> created = new CopyOnWriteArrayList<>();

    private CircuitBreakers(Builder b) {
        this.name = b.name;
        this.config = b.config;
        this.clock = b.clock;
        this.keyBy = b.keyBy;
        this.naming = b;
        this.described = b.describe("circuit breakers");
        this.breakers = new Keyed<>(described, this::create, b.maxKeys);
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
        breaker.onTransition(this::transitioned);
        for (Consumer<CircuitBreaker> listener : created) {
            try {
                listener.accept(breaker);
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.WARNING, "a creation listener of " + described + " failed on "
                        + breaker.name(), e);
            }
        }
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
        Objects.requireNonNull(listener, "listener");
        created.add(listener);
        return () -> created.remove(listener);
    }

    private void transitioned(CircuitBreaker.Transition transition) {
        for (Consumer<CircuitBreaker.Transition> listener : listeners) {
            try {
                listener.accept(transition);
            } catch (RuntimeException e) {
                // one listener must not keep the others (the policy's event among them) from the transition
                LOG.log(System.Logger.Level.WARNING, "a transition listener of " + described + " failed on "
                        + transition, e);
            }
        }
    }

    @Override
    public <R> CommandResult<R> decorate(Message message, @Nullable HandlerInfo handler, MessageContext context,
            Call<R> next) throws InterruptedException {
        Object key = keyBy.key(message, handler, context);
        CircuitBreaker breaker = breakers.get(key);
        if (breaker == null) {
            return CommandResult.failure(new FailureCause.Rejected(described + " hold "
                    + breakers.maxKeys() + " keys, the most they may; no breaker for key " + Keyed.name(key)));
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
        Map<String, CircuitBreaker> byName = new LinkedHashMap<>();
        breakers.all().values().forEach(breaker -> byName.put(breaker.name(), breaker));
        return byName;
    }

    /**
     * Registers a listener of every breaker's transitions, present and future; see
     * {@link CircuitBreaker#onTransition}.
     *
     * @param listener the listener
     * @return an action that removes it
     */
    public Runnable onTransition(Consumer<CircuitBreaker.Transition> listener) {
        Objects.requireNonNull(listener, "listener");
        listeners.add(listener);
        return () -> listeners.remove(listener);
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
