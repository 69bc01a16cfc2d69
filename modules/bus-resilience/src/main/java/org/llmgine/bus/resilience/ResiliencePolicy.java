package org.llmgine.bus.resilience;

import java.time.InstantSource;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.Predicate;
import org.jspecify.annotations.Nullable;
import org.llmgine.bus.MessageBus;
import org.llmgine.bus.handler.HandlerInfo;
import org.llmgine.bus.handler.MessageContext;
import org.llmgine.bus.message.Command;
import org.llmgine.bus.message.Event;
import org.llmgine.bus.message.FailureCause;
import org.llmgine.bus.message.Message;
import org.llmgine.bus.middleware.CommandMiddleware;
import org.llmgine.bus.middleware.EventMiddleware;
import org.llmgine.bus.spi.BusObserver;

/**
 * Resilience for a whole bus, without touching a registration: which {@link Pipeline} guards which
 * command type and which event handler, the {@link DeadLetterQueue} where executions that gave up
 * go, and the {@link ErrorStats}. Install it on the bus's builder; it adds one command middleware,
 * one event middleware and one observer.
 *
 * <pre>{@code
 * var dlq = DeadLetterQueue.builder().clock(clock).build();
 * var policy = ResiliencePolicy.builder()
 *         .clock(clock)
 *         .commands(AskModel.class, modelCalls)            // a Pipeline
 *         .events(ToolCalled.class, "audit", auditWrites)   // one handler of one event type
 *         .deadLetterQueue(dlq)
 *         .build();
 * var bus = policy.installOn(MessageBus.builder().clock(clock)).start();
 * }</pre>
 *
 * <p>For every command execution (and event handler invocation) it guards, the policy runs the
 * pipeline around the handler, counts the execution and each attempt, and if the result is a
 * failure the dead-letter predicate accepts (by default: retries exhausted, a handler that threw,
 * a timeout), adds an entry to the queue and publishes a {@link DeadLettered} event, without
 * waiting for it. A command's caller gets the failure as a typed result; an event handler's
 * invocation fails once with a {@link ResilienceException}, so the bus reports one
 * {@code HandlerFailed} however many attempts were made. Breaker transitions are published as
 * {@link CircuitBreakerTransitioned} events. Commands and handlers without a rule pass through.
 */
public final class ResiliencePolicy {

    /** The module name of this module's lifecycle events. */
    public static final String MODULE = "resilience";
    /** The header that marks a replayed message with its dead letter entry's id. */
    public static final String REPLAY_HEADER = "llmgine.dlq.replay";
    /** The header that names the one handler a replayed event is for. */
    public static final String REPLAY_HANDLER_HEADER = "llmgine.dlq.handler";

    final InstantSource clock;
    final Map<Class<?>, Pipeline> commandRules;
    final @Nullable Pipeline allCommands;
    final Map<Class<?>, Map<String, Pipeline>> handlerRules;
    final Map<Class<?>, Pipeline> eventRules;
    final @Nullable DeadLetterQueue deadLetters;
    final Predicate<FailureCause> deadLetterOn;
    final boolean deadLetterDropped;
    final @Nullable KeyBy statsKeyBy;
    final ErrorStats stats;
    /** The policy's circuit breakers: keyed ones and lone ones. */
    private final Set<Decorator> breakers;
    private final PolicyCommands commands;
    private final PolicyEvents events;
    private final PolicyObserver observer;

    private ResiliencePolicy(Builder b) {
        this.clock = b.clock;
        this.commandRules = Map.copyOf(b.commandRules);
        this.allCommands = b.allCommands;
        Map<Class<?>, Map<String, Pipeline>> handlers = new HashMap<>();
        b.handlerRules.forEach((type, byName) -> handlers.put(type, Map.copyOf(byName)));
        this.handlerRules = Map.copyOf(handlers);
        this.eventRules = Map.copyOf(b.eventRules);
        this.deadLetters = b.deadLetters;
        this.deadLetterOn = b.deadLetterOn;
        this.deadLetterDropped = b.deadLetterDropped;
        this.statsKeyBy = b.statsKeyBy;
        this.stats = new ErrorStats(b.maxStatsKeys);
        Set<Decorator> found = new LinkedHashSet<>();
        b.pipelines().forEach(pipeline -> collectBreakers(pipeline, found));
        this.breakers = Set.copyOf(found);
        this.observer = new PolicyObserver(this);
        this.commands = new PolicyCommands(this, observer);
        this.events = new PolicyEvents(this, observer);
        breakers.forEach(strategy -> {
            if (strategy instanceof CircuitBreakers keyed) {
                keyed.onTransition(observer::transitioned);
            } else if (strategy instanceof CircuitBreaker lone) {
                lone.onTransition(observer::transitioned);
            }
        });
    }

    private static void collectBreakers(Decorator decorator, Set<Decorator> into) {
        if (decorator instanceof CircuitBreakers || decorator instanceof CircuitBreaker) {
            into.add(decorator);
        } else if (decorator instanceof Pipeline pipeline) {
            pipeline.stages().forEach(stage -> collectBreakers(stage, into));
        }
    }

    /**
     * Starts a policy.
     *
     * @return a builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * The failures that go to the dead letter queue by default: retries exhausted, a handler that
     * threw, a timeout, and a module's own failure. Cancellation, rejections, an open circuit, a
     * full bulkhead, a rate limit and a missing handler are the caller's to handle, not poison
     * messages.
     *
     * @param cause the failure
     * @return true to dead-letter it
     */
    public static boolean unprocessableByDefault(FailureCause cause) {
        return cause instanceof FailureCause.RetriesExhausted || cause instanceof FailureCause.HandlerThrew
                || cause instanceof FailureCause.TimedOut
                || cause instanceof FailureCause.Other && !(cause instanceof SequenceBlocked);
    }

    /**
     * Adds the policy's command middleware, event middleware and observer to {@code builder}, after
     * what it holds (so middleware added before runs outside the policy).
     *
     * @param builder the bus's builder
     * @return the builder
     */
    public MessageBus.Builder installOn(MessageBus.Builder builder) {
        Objects.requireNonNull(builder, "builder");
        return builder.addCommandMiddleware(commands).addEventMiddleware(events).addObserver(observer);
    }

    /**
     * Returns the command middleware, to place it in a chain by hand (with {@link #eventMiddleware()}
     * and {@link #observer()}, which must be added too).
     *
     * @return the command middleware
     */
    public CommandMiddleware commandMiddleware() {
        return commands;
    }

    /**
     * Returns the event middleware.
     *
     * @return the event middleware
     */
    public EventMiddleware eventMiddleware() {
        return events;
    }

    /**
     * Returns the observer that attaches the policy to its bus (replays, lifecycle events, dropped
     * events).
     *
     * @return the observer
     */
    public BusObserver observer() {
        return observer;
    }

    /**
     * Returns the dead letter queue, if the policy has one.
     *
     * @return the queue
     */
    public Optional<DeadLetterQueue> deadLetterQueue() {
        return Optional.ofNullable(deadLetters);
    }

    /**
     * Returns the error statistics.
     *
     * @return the statistics
     */
    public ErrorStats errorStats() {
        return stats;
    }

    /**
     * Returns every circuit breaker of the policy's pipelines made so far, by name.
     *
     * @return the breakers
     */
    public Map<String, CircuitBreaker> circuitBreakers() {
        Map<String, CircuitBreaker> all = new LinkedHashMap<>();
        breakers.forEach(strategy -> {
            if (strategy instanceof CircuitBreakers keyed) {
                all.putAll(keyed.breakers());
            } else if (strategy instanceof CircuitBreaker lone) {
                all.put(lone.name(), lone);
            }
        });
        return all;
    }

    /**
     * Returns the policy's pipelines by rule: {@code commands:AskModel}, {@code all-commands},
     * {@code events:ToolCalled}, {@code events:ToolCalled/audit} (type simple names, handler names).
     * A metrics binding walks them for the strategies' meters.
     *
     * @return the pipelines, in no particular order
     */
    public Map<String, Pipeline> pipelines() {
        Map<String, Pipeline> all = new LinkedHashMap<>();
        commandRules.forEach((type, pipeline) -> all.put("commands:" + type.getSimpleName(), pipeline));
        if (allCommands != null) {
            all.put("all-commands", allCommands);
        }
        eventRules.forEach((type, pipeline) -> all.put("events:" + type.getSimpleName(), pipeline));
        handlerRules.forEach((type, byHandler) -> byHandler.forEach((handler, pipeline) ->
                all.put("events:" + type.getSimpleName() + "/" + handler, pipeline)));
        return all;
    }

    /** The stats key of a call, as text. */
    String statsKey(Message message, @Nullable HandlerInfo handler, MessageContext context) {
        KeyBy keyBy = Objects.requireNonNull(statsKeyBy, "statsKeyBy");
        Object key = keyBy.key(message, handler, context);
        if (key == null) {
            throw new NullPointerException("the stats key function returned null for "
                    + message.getClass().getName());
        }
        return Keyed.name(key);
    }

    /** The pipeline of a command type, or null. */
    @Nullable Pipeline commandPipeline(Class<?> type) {
        Pipeline rule = commandRules.get(type);
        return rule != null ? rule : allCommands;
    }

    /** The pipeline of one handler of an event type, or null. */
    @Nullable Pipeline eventPipeline(Class<?> type, String handler) {
        Map<String, Pipeline> byHandler = handlerRules.get(type);
        if (byHandler != null) {
            Pipeline rule = byHandler.get(handler);
            if (rule != null) {
                return rule;
            }
        }
        return eventRules.get(type);
    }

    @Override
    public String toString() {
        return "ResiliencePolicy[" + commandRules.size() + " command rules" + (allCommands != null ? " + all" : "")
                + ", " + (handlerRules.size() + eventRules.size()) + " event rules, dlq=" + deadLetters + "]";
    }

    /** Builds a {@link ResiliencePolicy}. */
    public static final class Builder {

        private InstantSource clock = InstantSource.system();
        private final Map<Class<?>, Pipeline> commandRules = new HashMap<>();
        private @Nullable Pipeline allCommands;
        private final Map<Class<?>, Map<String, Pipeline>> handlerRules = new HashMap<>();
        private final Map<Class<?>, Pipeline> eventRules = new HashMap<>();
        private @Nullable DeadLetterQueue deadLetters;
        private Predicate<FailureCause> deadLetterOn = ResiliencePolicy::unprocessableByDefault;
        private boolean deadLetterDropped;
        private @Nullable KeyBy statsKeyBy;
        private int maxStatsKeys = 1024;

        private Builder() {
        }

        private List<Pipeline> pipelines() {
            List<Pipeline> all = new java.util.ArrayList<>(commandRules.values());
            if (allCommands != null) {
                all.add(allCommands);
            }
            handlerRules.values().forEach(byName -> all.addAll(byName.values()));
            all.addAll(eventRules.values());
            return all;
        }

        /**
         * Sets the clock failures are stamped with (default the system clock): give it the bus's.
         *
         * @param clock the clock
         * @return this builder
         */
        public Builder clock(InstantSource clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /**
         * Guards every execution of commands of {@code type} (exact class) with {@code pipeline}.
         *
         * @param type the command class
         * @param pipeline the pipeline
         * @return this builder
         */
        public Builder commands(Class<? extends Command<?>> type, Pipeline pipeline) {
            Objects.requireNonNull(type, "type");
            Objects.requireNonNull(pipeline, "pipeline");
            if (commandRules.putIfAbsent(type, pipeline) != null) {
                throw new IllegalArgumentException("command type " + type.getName() + " already has a pipeline");
            }
            return this;
        }

        /**
         * Guards the executions of every command type without a rule of its own.
         *
         * @param pipeline the pipeline
         * @return this builder
         */
        public Builder allCommands(Pipeline pipeline) {
            this.allCommands = Objects.requireNonNull(pipeline, "pipeline");
            return this;
        }

        /**
         * Guards every handler of events of {@code type} (exact class) with {@code pipeline}.
         *
         * @param type the event class
         * @param pipeline the pipeline
         * @return this builder
         */
        public Builder events(Class<? extends Event> type, Pipeline pipeline) {
            Objects.requireNonNull(type, "type");
            Objects.requireNonNull(pipeline, "pipeline");
            if (eventRules.putIfAbsent(type, pipeline) != null) {
                throw new IllegalArgumentException("event type " + type.getName() + " already has a pipeline");
            }
            return this;
        }

        /**
         * Guards the handler named {@code handler} of events of {@code type} with {@code pipeline};
         * it wins over a rule for every handler of the type.
         *
         * @param type the event class
         * @param handler the handler's name, as registered
         * @param pipeline the pipeline
         * @return this builder
         */
        public Builder events(Class<? extends Event> type, String handler, Pipeline pipeline) {
            Objects.requireNonNull(type, "type");
            Objects.requireNonNull(handler, "handler");
            Objects.requireNonNull(pipeline, "pipeline");
            if (handlerRules.computeIfAbsent(type, t -> new HashMap<>()).putIfAbsent(handler, pipeline) != null) {
                throw new IllegalArgumentException("handler '" + handler + "' of event type " + type.getName()
                        + " already has a pipeline");
            }
            return this;
        }

        /**
         * Sets the dead letter queue (default none: failures are only returned and counted).
         *
         * @param queue the queue
         * @return this builder
         */
        public Builder deadLetterQueue(DeadLetterQueue queue) {
            this.deadLetters = Objects.requireNonNull(queue, "queue");
            return this;
        }

        /**
         * Sets which final failures are dead-lettered (default
         * {@link ResiliencePolicy#unprocessableByDefault}).
         *
         * @param deadLetterOn true to dead-letter
         * @return this builder
         */
        public Builder deadLetterOn(Predicate<FailureCause> deadLetterOn) {
            this.deadLetterOn = Objects.requireNonNull(deadLetterOn, "deadLetterOn");
            return this;
        }

        /**
         * Also dead-letters the events DROP_OLDEST evicts before any handler ran (default false);
         * replaying one publishes it to every handler again.
         *
         * @param deadLetterDropped true to keep them
         * @return this builder
         */
        public Builder deadLetterDropped(boolean deadLetterDropped) {
            this.deadLetterDropped = deadLetterDropped;
            return this;
        }

        /**
         * Also counts error statistics per key, for example {@code KeyBy.header("provider")}
         * (default: per type and handler only); at most {@code maxKeys} keys are kept.
         *
         * @param keyBy the key function
         * @param maxKeys at least 1
         * @return this builder
         */
        public Builder statsKeyBy(KeyBy keyBy, int maxKeys) {
            this.statsKeyBy = Objects.requireNonNull(keyBy, "keyBy");
            if (maxKeys < 1) {
                throw new IllegalArgumentException("maxKeys must be at least 1, but was " + maxKeys);
            }
            this.maxStatsKeys = maxKeys;
            return this;
        }

        /**
         * Builds the policy.
         *
         * @return the policy
         */
        public ResiliencePolicy build() {
            return new ResiliencePolicy(this);
        }
    }
}
