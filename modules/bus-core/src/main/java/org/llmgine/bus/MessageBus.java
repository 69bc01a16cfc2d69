package org.llmgine.bus;

import java.time.Duration;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.llmgine.bus.filter.EventFilter;
import org.llmgine.bus.internal.Checks;
import org.llmgine.bus.internal.DefaultMessageBus;
import org.llmgine.bus.middleware.CommandMiddleware;
import org.llmgine.bus.middleware.EventMiddleware;
import org.llmgine.bus.spi.BusObserver;
import org.llmgine.bus.spi.InMemoryScheduledEventStore;
import org.llmgine.bus.spi.ScheduledEventStore;

/**
 * An in-process message bus: the bus scope plus factory of {@link Session sessions}.
 *
 * <p>Build one with {@link #builder()}, register handlers, then {@link #start()} it (or call
 * {@link Builder#start()}); close it with try-with-resources:
 *
 * <pre>{@code
 * try (var bus = MessageBus.builder().name("chat").queueCapacity(10_000).start()) {
 *     bus.registerCommand(AskModel.class, (cmd, ctx) -> model.complete(cmd.prompt()));
 *     try (var session = bus.openSession("conversation-42")) {
 *         session.subscribe(TokenStreamed.class, t -> ui.append(t.token()));
 *         switch (session.execute(new AskModel("hello"))) {
 *             case CommandResult.Success<String>(var answer) -> session.publish(new AnswerReady(answer));
 *             case CommandResult.Failure<String>(var cause) -> ui.showError(cause);
 *         }
 *     }
 * }
 * }</pre>
 *
 * <p>Events flow: publish, filters, envelope, a bounded queue, a dispatcher on a virtual thread,
 * one lane per session (FIFO within a session, parallel across sessions), then for each event the
 * priority groups of its handlers in order, the handlers of one group concurrently on virtual
 * threads.
 */
public interface MessageBus extends MessageScope, AutoCloseable {

    /**
     * Starts building a bus with the defaults of {@link BusConfig}.
     *
     * @return a new builder
     */
    static Builder builder() {
        return new Builder();
    }

    /**
     * Returns the bus's name.
     *
     * @return the name
     */
    String name();

    /**
     * Returns the bus's configuration.
     *
     * @return the configuration
     */
    BusConfig config();

    /**
     * Returns the bus's state.
     *
     * @return the current state
     */
    BusState state();

    /**
     * Starts dispatching. Events published before start wait in the queue. Idempotent.
     *
     * @return this bus
     * @throws BusClosedException if the bus is closing or closed
     */
    MessageBus start();

    /**
     * Opens a session with the given id and publishes {@link org.llmgine.bus.message.SessionStarted}.
     *
     * @param id the session id, unique among the open sessions of this bus
     * @return the open session
     * @throws IllegalArgumentException if {@code id} is blank
     * @throws IllegalStateException if a session with this id is already open
     * @throws BusClosedException if the bus is closing or closed
     */
    Session openSession(String id);

    /**
     * Opens a session with a random UUID id.
     *
     * @return the open session
     * @throws BusClosedException if the bus is closing or closed
     */
    Session openSession();

    /**
     * Approves a pending {@link org.llmgine.bus.message.ApprovalCommand}: its handler runs, through
     * the command middleware.
     *
     * @param commandId the command's id, from {@link org.llmgine.bus.message.ApprovalRequested} or
     *     {@link #pendingApprovals()}
     * @throws IllegalArgumentException if no approval is pending under that id (unknown, or already
     *     decided, expired or cancelled)
     */
    void approve(long commandId);

    /**
     * Denies a pending {@link org.llmgine.bus.message.ApprovalCommand}: it fails with
     * {@link org.llmgine.bus.message.FailureCause.ApprovalDenied} and its handler does not run.
     *
     * @param commandId the command's id
     * @param reason why, not blank
     * @throws IllegalArgumentException if no approval is pending under that id, or the reason is blank
     */
    void deny(long commandId, String reason);

    /**
     * Returns the approval requests waiting for a decision, in request order.
     *
     * @return a snapshot
     */
    List<PendingApproval> pendingApprovals();

    /**
     * Returns a snapshot of the bus's counters and gauges.
     *
     * @return the statistics
     */
    BusStats stats();

    /**
     * Closes the bus with the configured {@link BusConfig#closeTimeout()}; see
     * {@link #close(Duration)}.
     */
    @Override
    void close();

    /**
     * Closes the bus: refuses new publishes from outside, waits up to {@code timeout} for accepted
     * events and running commands to finish, then interrupts what still runs and hands back what
     * never started. Open sessions are closed without SessionEnded events. Idempotent: later calls
     * return the first report.
     *
     * @param timeout how long to wait for the drain
     * @return what happened; logged at WARNING unless clean
     */
    CloseReport close(Duration timeout);

    /**
     * Builds a {@link MessageBus}. Setters validate their argument at once and name it in the
     * exception; filters, middleware and observers apply in the order they were added (the first
     * middleware added is the outermost).
     */
    final class Builder {

        private String name = BusConfig.DEFAULT_NAME;
        private int queueCapacity = BusConfig.DEFAULT_QUEUE_CAPACITY;
        private int batchSize = BusConfig.DEFAULT_BATCH_SIZE;
        private OverflowStrategy overflowStrategy = BusConfig.DEFAULT_OVERFLOW_STRATEGY;
        private Duration publishTimeout = BusConfig.DEFAULT_PUBLISH_TIMEOUT;
        private double highWaterMark = BusConfig.DEFAULT_HIGH_WATER_MARK;
        private double lowWaterMark = BusConfig.DEFAULT_LOW_WATER_MARK;
        private Duration adaptiveMaxDelay = BusConfig.DEFAULT_ADAPTIVE_MAX_DELAY;
        private int lifecycleReserve = BusConfig.DEFAULT_LIFECYCLE_RESERVE;
        private int starvationLimit = BusConfig.DEFAULT_STARVATION_LIMIT;
        private ErrorPolicy errorPolicy = BusConfig.DEFAULT_ERROR_POLICY;
        private Duration closeTimeout = BusConfig.DEFAULT_CLOSE_TIMEOUT;
        private boolean filterLifecycleEvents = BusConfig.DEFAULT_FILTER_LIFECYCLE_EVENTS;
        private InstantSource clock = InstantSource.system();
        private Ticker ticker = Ticker.system();
        private final List<EventFilter> filters = new ArrayList<>();
        private final List<CommandMiddleware> commandMiddleware = new ArrayList<>();
        private final List<EventMiddleware> eventMiddleware = new ArrayList<>();
        private final List<BusObserver> observers = new ArrayList<>();
        private ScheduledEventStore scheduledEventStore = new InMemoryScheduledEventStore();

        private Builder() {
        }

        /**
         * Sets the bus name (default {@value BusConfig#DEFAULT_NAME}).
         *
         * @param name not blank
         * @return this builder
         */
        public Builder name(String name) {
            this.name = Checks.notBlank("name", name);
            return this;
        }

        /**
         * Sets the queue capacity (default {@value BusConfig#DEFAULT_QUEUE_CAPACITY}).
         *
         * @param queueCapacity positive
         * @return this builder
         */
        public Builder queueCapacity(int queueCapacity) {
            this.queueCapacity = Checks.positive("queueCapacity", queueCapacity);
            return this;
        }

        /**
         * Sets the batch size (default {@value BusConfig#DEFAULT_BATCH_SIZE}).
         *
         * @param batchSize positive
         * @return this builder
         */
        public Builder batchSize(int batchSize) {
            this.batchSize = Checks.positive("batchSize", batchSize);
            return this;
        }

        /**
         * Sets the overflow strategy (default BLOCK).
         *
         * @param overflowStrategy the strategy
         * @return this builder
         */
        public Builder overflowStrategy(OverflowStrategy overflowStrategy) {
            this.overflowStrategy = Objects.requireNonNull(overflowStrategy, "overflowStrategy");
            return this;
        }

        /**
         * Sets how long BLOCK waits for room (default 1 s).
         *
         * @param publishTimeout not negative
         * @return this builder
         */
        public Builder publishTimeout(Duration publishTimeout) {
            this.publishTimeout = Checks.notNegative("publishTimeout", publishTimeout);
            return this;
        }

        /**
         * Sets the water marks, as fractions of the capacity (defaults 0.8 and 0.5): backpressure
         * turns on when the queue reaches the high mark and off when it is back at the low mark.
         *
         * @param highWaterMark in (lowWaterMark, 1]
         * @param lowWaterMark in (0, highWaterMark)
         * @return this builder
         */
        public Builder waterMarks(double highWaterMark, double lowWaterMark) {
            BusConfig.checkWaterMarks(highWaterMark, lowWaterMark);
            this.highWaterMark = highWaterMark;
            this.lowWaterMark = lowWaterMark;
            return this;
        }

        /**
         * Sets the longest pause ADAPTIVE imposes on a publish (default 10 ms).
         *
         * @param adaptiveMaxDelay not negative
         * @return this builder
         */
        public Builder adaptiveMaxDelay(Duration adaptiveMaxDelay) {
            this.adaptiveMaxDelay = Checks.notNegative("adaptiveMaxDelay", adaptiveMaxDelay);
            return this;
        }

        /**
         * Sets how many slots beyond the capacity lifecycle events may use (default
         * {@value BusConfig#DEFAULT_LIFECYCLE_RESERVE}).
         *
         * @param lifecycleReserve not negative
         * @return this builder
         */
        public Builder lifecycleReserve(int lifecycleReserve) {
            this.lifecycleReserve = Checks.notNegative("lifecycleReserve", lifecycleReserve);
            return this;
        }

        /**
         * Sets how many events may be dispatched ahead of an older, less urgent one before the
         * oldest goes next (default {@value BusConfig#DEFAULT_STARVATION_LIMIT}).
         *
         * @param starvationLimit positive
         * @return this builder
         */
        public Builder starvationLimit(int starvationLimit) {
            this.starvationLimit = Checks.positive("starvationLimit", starvationLimit);
            return this;
        }

        /**
         * Sets the error policy of {@code publishAndWait} (default SUPPRESS).
         *
         * @param errorPolicy the policy
         * @return this builder
         */
        public Builder errorPolicy(ErrorPolicy errorPolicy) {
            this.errorPolicy = Objects.requireNonNull(errorPolicy, "errorPolicy");
            return this;
        }

        /**
         * Sets how long {@code close()} waits for the drain (default 10 s).
         *
         * @param closeTimeout not negative
         * @return this builder
         */
        public Builder closeTimeout(Duration closeTimeout) {
            this.closeTimeout = Checks.notNegative("closeTimeout", closeTimeout);
            return this;
        }

        /**
         * Sets whether filters also see the bus's lifecycle events (default false: lifecycle
         * events bypass filters).
         *
         * @param filterLifecycleEvents true to filter lifecycle events too
         * @return this builder
         */
        public Builder filterLifecycleEvents(boolean filterLifecycleEvents) {
            this.filterLifecycleEvents = filterLifecycleEvents;
            return this;
        }

        /**
         * Sets the source of message timestamps (default the system clock).
         *
         * @param clock the clock
         * @return this builder
         */
        public Builder clock(InstantSource clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /**
         * Sets the source of durations (default {@link Ticker#system()}).
         *
         * @param ticker the ticker
         * @return this builder
         */
        public Builder ticker(Ticker ticker) {
            this.ticker = Objects.requireNonNull(ticker, "ticker");
            return this;
        }

        /**
         * Adds an event filter; filters run in the order added and the first that declines wins.
         *
         * @param filter the filter
         * @return this builder
         */
        public Builder addFilter(EventFilter filter) {
            filters.add(Objects.requireNonNull(filter, "filter"));
            return this;
        }

        /**
         * Adds a command middleware; the first added is the outermost.
         *
         * @param middleware the middleware
         * @return this builder
         */
        public Builder addCommandMiddleware(CommandMiddleware middleware) {
            commandMiddleware.add(Objects.requireNonNull(middleware, "middleware"));
            return this;
        }

        /**
         * Adds an event middleware, which wraps each handler invocation; the first added is the
         * outermost.
         *
         * @param middleware the middleware
         * @return this builder
         */
        public Builder addEventMiddleware(EventMiddleware middleware) {
            eventMiddleware.add(Objects.requireNonNull(middleware, "middleware"));
            return this;
        }

        /**
         * Adds an observer, for example a metrics binding. Observer exceptions are logged and
         * never reach the bus's callers.
         *
         * @param observer the observer
         * @return this builder
         */
        public Builder addObserver(BusObserver observer) {
            observers.add(Objects.requireNonNull(observer, "observer"));
            return this;
        }

        /**
         * Sets where pending scheduled events go when the bus closes, and where a starting bus takes
         * them back from (default: a new {@link InMemoryScheduledEventStore}). Give two buses the same
         * store to carry scheduled events from one to the next.
         *
         * @param store the store
         * @return this builder
         */
        public Builder scheduledEventStore(ScheduledEventStore store) {
            this.scheduledEventStore = Objects.requireNonNull(store, "store");
            return this;
        }

        /**
         * Returns the configuration this builder would build with.
         *
         * @return the validated configuration
         */
        public BusConfig config() {
            return new BusConfig(name, queueCapacity, batchSize, overflowStrategy, publishTimeout, highWaterMark,
                    lowWaterMark, adaptiveMaxDelay, lifecycleReserve, starvationLimit, errorPolicy, closeTimeout,
                    filterLifecycleEvents, clock, ticker);
        }

        /**
         * Builds a bus in state {@link BusState#NEW}: register handlers, then call
         * {@link MessageBus#start()}.
         *
         * @return the bus
         */
        public MessageBus build() {
            return new DefaultMessageBus(config(), filters, commandMiddleware, eventMiddleware, observers,
                    scheduledEventStore);
        }

        /**
         * Builds and starts a bus.
         *
         * @return the running bus
         */
        public MessageBus start() {
            return build().start();
        }
    }
}
