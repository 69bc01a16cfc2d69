package org.llmgine.bus.bridge;

import java.time.Duration;
import java.time.InstantSource;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;
import org.llmgine.bus.MessageBus;
import org.llmgine.bus.bridge.internal.Counters;
import org.llmgine.bus.bridge.internal.Inbound;
import org.llmgine.bus.bridge.internal.MemoryOutboundStore;
import org.llmgine.bus.bridge.internal.Outbound;
import org.llmgine.bus.bridge.internal.RemoteCommands;
import org.llmgine.bus.bridge.spi.DedupStore;
import org.llmgine.bus.bridge.spi.OutboundStore;
import org.llmgine.bus.bridge.spi.Transport;
import org.llmgine.bus.codec.MessageCodec;
import org.llmgine.bus.message.Command;
import org.llmgine.bus.message.CommandResult;

/**
 * Connects a bus to other buses through a {@link Transport}: the events its {@link Route}s select
 * leave the bus (keyed by session id, so a session's events keep their order across JVMs), and the
 * records of what it {@link Consume}s come in, each republished in its session (opened if needed)
 * once, however often the transport delivers it.
 *
 * <pre>{@code
 * Bridge bridge = Bridge.builder(bus, transport, codec)
 *         .route(Route.of(AnswerReady.class, "chat-events"))
 *         .consume(Consume.broadcast("chat-events"))
 *         .start();
 * }</pre>
 *
 * <p>Outbound is at least once: an event is accepted for sending when the bridge's bus-scope
 * handler runs (in its session's order), kept in the outbound store until the transport
 * acknowledges it, and sent again after a failure. Without a durable store (an outbox table,
 * {@link JdbcOutboundStore}) the buffer is bounded memory and its overflow is counted and logged.
 * Inbound, a record is done (the transport may commit it) only once its handlers ran; the dedup
 * window drops redeliveries, so the effect is once per message id within the window. Events that
 * came in through a bridge never leave again.
 */
public final class Bridge implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger("org.llmgine.bus.bridge");
    /** Poison records kept for {@link #poison()}. */
    private static final int POISON_KEPT = 1_000;

    private final MessageBus bus;
    private final Transport transport;
    private final Counters counters = new Counters();
    private final @Nullable Outbound outbound;
    private final @Nullable RemoteCommands remote;
    private final List<Inbound> inbound = new ArrayList<>();
    private final ReentrantLock lock = new ReentrantLock();
    private final ArrayDeque<PoisonRecord> poison = new ArrayDeque<>();
    private final Duration closeGrace;
    private boolean started;
    private boolean closed;

    private Bridge(Builder b) {
        this.bus = b.bus;
        this.transport = b.transport;
        this.closeGrace = b.closeGrace;
        OutboundStore store = b.store != null ? b.store : new MemoryOutboundStore(b.bufferCapacity, b.maxAttempts);
        this.outbound = b.routes.isEmpty() ? null
                : new Outbound(b.bus, b.transport, b.codec, store, b.routes, b.clock, b.lease, counters);
        Consumer<PoisonRecord> sink = p -> {
            keep(p);
            b.onPoison.accept(p);
        };
        String replyTopic = b.replyTopic != null ? b.replyTopic : "llmgine-replies-" + b.bus.instanceId();
        this.remote = b.commandRoutes.isEmpty() && b.served.isEmpty() ? null
                : new RemoteCommands(b.bus, b.transport, b.codec, b.commandRoutes, replyTopic, b.clock);
        for (Consume c : b.consumes) {
            String group = c.isBroadcast() ? "llmgine-broadcast-" + b.bus.instanceId() : Objects.requireNonNull(c.group());
            inbound.add(new Inbound(b.bus, b.transport, b.codec, c.topics(), group, c.isBroadcast(), b.dedupWindow,
                    b.pauseAt, counters, sink, null, c.isBroadcast() ? null : b.dedupStore));
        }
        for (Consume c : b.served) {
            inbound.add(new Inbound(b.bus, b.transport, b.codec, c.topics(), Objects.requireNonNull(c.group()), false,
                    b.dedupWindow, b.pauseAt, counters, sink, remote, b.dedupStore));
        }
        if (!b.commandRoutes.isEmpty()) {
            inbound.add(new Inbound(b.bus, b.transport, b.codec, Set.of(replyTopic), replyTopic, false, b.dedupWindow,
                    b.pauseAt, counters, sink, remote, null));
        }
    }

    /**
     * Executes a command on whichever instance serves its type's request topic
     * ({@link Builder#commandRoute}; {@link Builder#serveCommands} on the other side): the request is
     * keyed by the session, so a session's commands reach one instance in order; the future
     * completes with the remote handler's typed result or failure, with {@code TimedOut} when
     * {@code timeout} passes (the remote run is told to stop), with {@code NoHandler} if no route
     * names the type; cancelling the future cancels the remote run.
     *
     * @param command the command (its type and its result type registered in the codec)
     * @param sessionId the session it runs in on the remote bus (opened there if needed), or null
     *     for the bus scope
     * @param timeout how long to wait; the remote run gets what is left of it
     * @param <R> the result type
     * @return the result
     * @throws IllegalStateException if the bridge routes no command types, or is not started
     */
    public <R> CompletableFuture<CommandResult<R>> execute(Command<R> command, @Nullable String sessionId,
            Duration timeout) {
        Objects.requireNonNull(command, "command");
        Objects.requireNonNull(timeout, "timeout");
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("timeout must be positive, but was " + timeout);
        }
        RemoteCommands commands = remote;
        if (commands == null) {
            throw new IllegalStateException("the bridge of bus '" + bus.name() + "' routes no command types; add"
                    + " Builder.commandRoute(type, topic)");
        }
        lock.lock();
        try {
            if (!started || closed) {
                throw new IllegalStateException("the bridge of bus '" + bus.name() + "' is " + (closed ? "closed"
                        : "not started"));
            }
        } finally {
            lock.unlock();
        }
        return commands.execute(command, sessionId, timeout);
    }

    /**
     * Starts a bridge of a bus over a transport.
     *
     * @param bus the bus; started before the bridge starts
     * @param transport the transport
     * @param codec the codec of the payloads and headers (every type that crosses is registered in it)
     * @return a builder
     */
    public static Builder builder(MessageBus bus, Transport transport, MessageCodec codec) {
        return new Builder(bus, transport, codec);
    }

    /**
     * Starts sending and consuming.
     *
     * @return this bridge
     * @throws IllegalStateException if it was started or closed already
     */
    public Bridge start() {
        lock.lock();
        try {
            if (started || closed) {
                throw new IllegalStateException("the bridge of bus '" + bus.name() + "' was " + (closed ? "closed" : "started")
                        + " already");
            }
            started = true;
        } finally {
            lock.unlock();
        }
        if (outbound != null) {
            outbound.start();
        }
        inbound.forEach(Inbound::start);
        return this;
    }

    /**
     * Returns the counters.
     *
     * @return a snapshot
     */
    public BridgeStats stats() {
        long inFlight = 0;
        boolean paused = false;
        for (Inbound in : inbound) {
            inFlight += in.inFlight();
            paused |= in.paused();
        }
        return new BridgeStats(counters.accepted.sum(), counters.overflowed.sum(), counters.storeFailures.sum(),
                counters.sent.sum(), counters.sendFailures.sum(), counters.abandoned.sum(), counters.received.sum(),
                counters.republished.sum(), counters.duplicates.sum(), counters.echoes.sum(), counters.poison.sum(),
                counters.returned.sum(), inFlight, paused, remote == null ? new BridgeStats.Commands(0, 0, 0, 0)
                        : remote.counts());
    }

    /**
     * Returns the latest records that could not be decoded (at most 1,000).
     *
     * @return oldest first
     */
    public List<PoisonRecord> poison() {
        lock.lock();
        try {
            return List.copyOf(poison);
        } finally {
            lock.unlock();
        }
    }

    private void keep(PoisonRecord p) {
        lock.lock();
        try {
            if (poison.size() == POISON_KEPT) {
                poison.pollFirst();
            }
            poison.addLast(p);
        } finally {
            lock.unlock();
        }
    }

    /**
     * Stops consuming (records not done are delivered again to the next consumer), then stops
     * capturing and lets the sender drain the in-memory buffer for up to the close grace. Closes
     * neither the bus nor the transport.
     */
    @Override
    public void close() {
        lock.lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
        } finally {
            lock.unlock();
        }
        inbound.forEach(Inbound::close);
        if (remote != null) {
            remote.close();
        }
        if (outbound != null && !outbound.close(closeGrace)) {
            LOG.log(System.Logger.Level.DEBUG, () -> "the bridge of bus '" + bus.name() + "' closed with events not"
                    + " sent yet");
        }
    }

    @Override
    public String toString() {
        return "Bridge[" + bus.name() + " over " + transport.describe() + "]";
    }

    /** Builds a {@link Bridge}. */
    public static final class Builder {
        private final MessageBus bus;
        private final Transport transport;
        private final MessageCodec codec;
        private final List<Route> routes = new ArrayList<>();
        private final List<Consume> consumes = new ArrayList<>();
        private final List<Consume> served = new ArrayList<>();
        private final Map<Class<?>, String> commandRoutes = new LinkedHashMap<>();
        private @Nullable String replyTopic;
        private @Nullable DedupStore dedupStore;
        private @Nullable OutboundStore store;
        private int bufferCapacity = 10_000;
        private int maxAttempts = 10;
        private int dedupWindow = 100_000;
        private int pauseAt = 1_000;
        private Duration lease = Duration.ofSeconds(60);
        private Duration closeGrace = Duration.ofSeconds(5);
        private InstantSource clock = InstantSource.system();
        private Consumer<PoisonRecord> onPoison = p -> { };

        private Builder(MessageBus bus, Transport transport, MessageCodec codec) {
            this.bus = Objects.requireNonNull(bus, "bus");
            this.transport = Objects.requireNonNull(transport, "transport");
            this.codec = Objects.requireNonNull(codec, "codec");
        }

        /**
         * Adds a route; an event goes out through the first route that sends it.
         *
         * @param route the route
         * @return this builder
         */
        public Builder route(Route route) {
            routes.add(Objects.requireNonNull(route, "route"));
            return this;
        }

        /**
         * Consumes topics.
         *
         * @param consume what and how
         * @return this builder
         */
        public Builder consume(Consume consume) {
            consumes.add(Objects.requireNonNull(consume, "consume"));
            return this;
        }

        /**
         * Sends commands of {@code type} (and its subtypes) executed with {@link Bridge#execute} to
         * {@code topic}, where instances that {@link #serveCommands} it run them.
         *
         * @param type the command type
         * @param topic its request topic
         * @return this builder
         */
        public Builder commandRoute(Class<? extends Command<?>> type, String topic) {
            Objects.requireNonNull(type, "type");
            if (topic.isBlank()) {
                throw new IllegalArgumentException("the request topic of " + type.getName() + " must not be blank");
            }
            commandRoutes.put(type, topic);
            return this;
        }

        /**
         * Runs the commands that arrive on request topics here, as a member of {@code group} (the
         * group's instances share them, a session's commands going to one instance at a time), and
         * sends each result back to its caller.
         *
         * @param group the group of the serving instances
         * @param topics the request topics
         * @return this builder
         */
        public Builder serveCommands(String group, String... topics) {
            served.add(Consume.competing(group, topics));
            return this;
        }

        /**
         * Sets this instance's reply topic (one per instance).
         *
         * @param topic default {@code llmgine-replies-<instance id>}
         * @return this builder
         */
        public Builder replyTopic(String topic) {
            if (topic.isBlank()) {
                throw new IllegalArgumentException("the reply topic must not be blank");
            }
            this.replyTopic = topic;
            return this;
        }

        /**
         * Keeps accepted events in a durable store until acknowledged (an outbox table), instead of
         * the in-memory buffer.
         *
         * @param store the store
         * @return this builder
         */
        public Builder outboundStore(OutboundStore store) {
            this.store = Objects.requireNonNull(store, "store");
            return this;
        }

        /**
         * Deduplicates the records of competing consumers (and served commands) durably as well,
         * across the group's instances: a record redelivered to another instance after a
         * rebalance or a crash is skipped there if its handlers ran ({@link JdbcDedupStore}).
         * Broadcast consumers keep the in-memory window only (each instance is its own group).
         *
         * @param store the store
         * @return this builder
         */
        public Builder dedupStore(DedupStore store) {
            this.dedupStore = Objects.requireNonNull(store, "store");
            return this;
        }

        /**
         * Sets the capacity of the in-memory outbound buffer.
         *
         * @param capacity at least 1; default 10,000
         * @return this builder
         */
        public Builder bufferCapacity(int capacity) {
            if (capacity < 1) {
                throw new IllegalArgumentException("bufferCapacity must be at least 1, but was " + capacity);
            }
            this.bufferCapacity = capacity;
            return this;
        }

        /**
         * Sets how many sends an event gets in the in-memory buffer before it is abandoned.
         *
         * @param attempts at least 1; default 10
         * @return this builder
         */
        public Builder maxAttempts(int attempts) {
            if (attempts < 1) {
                throw new IllegalArgumentException("maxAttempts must be at least 1, but was " + attempts);
            }
            this.maxAttempts = attempts;
            return this;
        }

        /**
         * Sets how many message ids each consumer remembers to drop redeliveries.
         *
         * @param ids at least 1; default 100,000
         * @return this builder
         */
        public Builder dedupWindow(int ids) {
            if (ids < 1) {
                throw new IllegalArgumentException("dedupWindow must be at least 1, but was " + ids);
            }
            this.dedupWindow = ids;
            return this;
        }

        /**
         * Sets how many received records, not yet published, pause a subscription (resumed at half).
         *
         * @param records at least 2; default 1,000
         * @return this builder
         */
        public Builder pauseAt(int records) {
            if (records < 2) {
                throw new IllegalArgumentException("pauseAt must be at least 2, but was " + records);
            }
            this.pauseAt = records;
            return this;
        }

        /**
         * Sets how long a claimed outbound batch is this sender's (a durable store gives it to
         * another instance after that).
         *
         * @param lease positive; default 60 s
         * @return this builder
         */
        public Builder lease(Duration lease) {
            if (lease.isNegative() || lease.isZero()) {
                throw new IllegalArgumentException("lease must be positive, but was " + lease);
            }
            this.lease = lease;
            return this;
        }

        /**
         * Sets how long close waits for the in-memory buffer to be sent.
         *
         * @param grace not negative; default 5 s
         * @return this builder
         */
        public Builder closeGrace(Duration grace) {
            if (grace.isNegative()) {
                throw new IllegalArgumentException("closeGrace must not be negative, but was " + grace);
            }
            this.closeGrace = grace;
            return this;
        }

        /**
         * Sets the clock of leases and retry times.
         *
         * @param clock the clock; default the system clock
         * @return this builder
         */
        public Builder clock(InstantSource clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /**
         * Tells {@code sink} of every record that cannot be decoded (besides the log and
         * {@link Bridge#poison()}).
         *
         * @param sink called on the bridge's dispatcher thread; must not block
         * @return this builder
         */
        public Builder onPoison(Consumer<PoisonRecord> sink) {
            this.onPoison = Objects.requireNonNull(sink, "sink");
            return this;
        }

        /**
         * Builds the bridge without starting it.
         *
         * @return the bridge
         * @throws IllegalStateException if it has neither a route nor a consume
         */
        public Bridge build() {
            if (routes.isEmpty() && consumes.isEmpty() && commandRoutes.isEmpty() && served.isEmpty()) {
                throw new IllegalStateException("a bridge of bus '" + bus.name() + "' needs a route, a consume, a"
                        + " command route or served commands");
            }
            return new Bridge(this);
        }

        /**
         * Builds and starts the bridge.
         *
         * @return the started bridge
         */
        public Bridge start() {
            return build().start();
        }
    }
}
