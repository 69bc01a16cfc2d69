package org.llmgine.bus;

import java.time.Duration;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.ServiceLoader;
import java.util.UUID;
import org.jspecify.annotations.Nullable;
import org.llmgine.bus.base.Checks;
import org.llmgine.bus.filter.EventFilter;
import org.llmgine.bus.message.MessageId;
import org.llmgine.bus.middleware.CommandMiddleware;
import org.llmgine.bus.middleware.EventMiddleware;
import org.llmgine.bus.spi.BusFactory;
import org.llmgine.bus.spi.BusObserver;
import org.llmgine.bus.spi.HeaderPropagator;
import org.llmgine.bus.spi.InMemoryScheduledEventStore;
import org.llmgine.bus.spi.LifecyclePublisher;
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
 * <p>Before {@link #start()} (state {@link BusState#NEW}) the bus accepts registrations, sessions,
 * schedules and publishes (accepted events wait in the queue and run once it starts; if they are
 * still waiting after {@link BusConfig#unstartedWarning()}, the bus logs one WARNING), but it runs
 * nothing: {@code execute} fails with {@code Unavailable(NEW)} and {@code publishAndWait} returns
 * {@code NotAccepted(Rejected(BUS_NOT_STARTED))}.
 *
 * <p>Events flow: publish, filters, envelope, a bounded queue, one lane per session (FIFO within a
 * session, parallel across sessions), then for each event the priority groups of its handlers in
 * order, the handlers of one group concurrently on virtual threads.
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
     * Returns the id of this bus instance: a time-ordered UUID made when it was built, the origin of
     * every {@link MessageId} it gives out. Two buses, or one bus before and after a restart, never
     * share it.
     *
     * @return the instance id
     */
    UUID instanceId();

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
     * Starts dispatching: events accepted before start run now, and scheduled events restored from
     * the store are scheduled. Idempotent.
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
     * @throws IllegalStateException if a session with this id is open (or still closing)
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
     * Returns the open session with this id.
     *
     * @param id the session id
     * @return the session, or empty if none is open under it (a closing session is not returned)
     */
    Optional<Session> session(String id);

    /**
     * Returns the open session with this id, or opens one; atomic with respect to other calls and to
     * the session's close (if a session with the id is closing, this waits for that close to finish
     * and then opens a new one; if another thread is opening it, this waits for that open). Services
     * that map a conversation id to a session need no map of their own.
     *
     * @param id the session id
     * @return the open session
     * @throws IllegalArgumentException if {@code id} is blank
     * @throws BusClosedException if the bus is closing or closed
     */
    Session getOrOpenSession(String id);

    /**
     * Returns the ids of the open sessions.
     *
     * @return a snapshot, in no particular order
     */
    List<String> sessionIds();

    /**
     * Approves a pending {@link org.llmgine.bus.message.ApprovalCommand}: its handler runs, through
     * the command middleware.
     *
     * @param commandId the command's id, from {@link org.llmgine.bus.message.ApprovalRequested} or
     *     {@link #pendingApprovals()}
     * @throws IllegalArgumentException if no approval is pending under that id (unknown, or already
     *     decided, expired or cancelled)
     */
    void approve(MessageId commandId);

    /**
     * Denies a pending {@link org.llmgine.bus.message.ApprovalCommand}: it fails with
     * {@link org.llmgine.bus.message.FailureCause.ApprovalDenied} and its handler does not run.
     *
     * @param commandId the command's id
     * @param reason why, not blank
     * @throws IllegalArgumentException if no approval is pending under that id, or the reason is blank
     */
    void deny(MessageId commandId, String reason);

    /**
     * Returns the approval requests waiting for a decision, in request order.
     *
     * @return a snapshot
     */
    List<PendingApproval> pendingApprovals();

    /**
     * Cancels a running command by id: its handler is interrupted (or its pending approval
     * withdrawn) and its result becomes {@code Cancelled(reason)}.
     *
     * @param commandId the command's id ({@link CommandHandle#commandId()}, the handler's
     *     {@code context.messageId()}, {@code CommandStarted.commandId()})
     * @param reason why, for the failure and the logs
     * @return true if this call cancelled it; false if no command with that id is running
     */
    boolean cancelCommand(MessageId commandId, String reason);

    /**
     * Returns a pending scheduled event by its id (also one restored from the store at start).
     *
     * @param id the entry id, {@link ScheduledEvent#id()}
     * @return the handle, or empty if no event is pending under that id
     */
    Optional<ScheduledEvent> scheduledEvent(MessageId id);

    /**
     * Returns the pending scheduled events of a session, by session id, whether or not the session
     * is open now.
     *
     * @param sessionId the session id
     * @return a snapshot of handles, in due order
     */
    List<ScheduledEvent> scheduledEvents(String sessionId);

    /**
     * Cancels every pending scheduled event of a session, whether or not the session is open now.
     *
     * @param sessionId the session id
     * @return how many were cancelled
     */
    int cancelScheduledEvents(String sessionId);

    /**
     * Returns the channel through which modules publish their own lifecycle events
     * ({@link org.llmgine.bus.message.LifecycleEvent.ModuleEvent}) with the lifecycle reserve and
     * the filter bypass.
     *
     * @return the bus's lifecycle channel
     */
    LifecyclePublisher lifecycle();

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
     * never started. Open sessions are closed without SessionEnded events; pending scheduled events
     * stay in the store. Idempotent: later and concurrent calls return the first report.
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

        String name = BusConfig.DEFAULT_NAME;
        int queueCapacity = BusConfig.DEFAULT_QUEUE_CAPACITY;
        int batchSize = BusConfig.DEFAULT_BATCH_SIZE;
        OverflowStrategy overflowStrategy = BusConfig.DEFAULT_OVERFLOW_STRATEGY;
        Duration publishTimeout = BusConfig.DEFAULT_PUBLISH_TIMEOUT;
        double highWaterMark = BusConfig.DEFAULT_HIGH_WATER_MARK;
        double lowWaterMark = BusConfig.DEFAULT_LOW_WATER_MARK;
        Duration adaptiveMaxDelay = BusConfig.DEFAULT_ADAPTIVE_MAX_DELAY;
        int lifecycleReserve = BusConfig.DEFAULT_LIFECYCLE_RESERVE;
        int starvationLimit = BusConfig.DEFAULT_STARVATION_LIMIT;
        ErrorPolicy errorPolicy = BusConfig.DEFAULT_ERROR_POLICY;
        Duration closeTimeout = BusConfig.DEFAULT_CLOSE_TIMEOUT;
        boolean filterLifecycleEvents = BusConfig.DEFAULT_FILTER_LIFECYCLE_EVENTS;
        ScheduledOnSessionClose scheduledOnSessionClose = BusConfig.DEFAULT_SCHEDULED_ON_SESSION_CLOSE;
        @Nullable Duration sessionIdleTimeout;
        @Nullable Duration scheduledStorePollInterval;
        boolean publishUnhandled = BusConfig.DEFAULT_PUBLISH_UNHANDLED;
        Duration unstartedWarning = BusConfig.DEFAULT_UNSTARTED_WARNING;
        Duration failureLogInterval = BusConfig.DEFAULT_FAILURE_LOG_INTERVAL;
        InstantSource clock = InstantSource.system();
        Ticker ticker = Ticker.system();
        final List<EventFilter> filters = new ArrayList<>();
        final List<CommandMiddleware> commandMiddleware = new ArrayList<>();
        final List<EventMiddleware> eventMiddleware = new ArrayList<>();
        final List<BusObserver> observers = new ArrayList<>();
        final List<HeaderPropagator> headerPropagators = new ArrayList<>();
        ScheduledEventStore scheduledEventStore = new InMemoryScheduledEventStore();

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
         * Sets what a session's close does to its pending scheduled events (default
         * {@link ScheduledOnSessionClose#KEEP}).
         *
         * @param policy keep or cancel
         * @return this builder
         */
        public Builder scheduledOnSessionClose(ScheduledOnSessionClose policy) {
            this.scheduledOnSessionClose = Objects.requireNonNull(policy, "policy");
            return this;
        }

        /**
         * Makes the bus close a session that saw no publish, execute or schedule for
         * {@code idleTimeout} and has no work left (an abandoned conversation); its close report says
         * {@code expired}. Default: sessions never expire. Checked on the bus's clock, at least every
         * {@code idleTimeout}, so a session closes between one and two timeouts after its last use.
         *
         * @param idleTimeout positive
         * @return this builder
         */
        public Builder sessionIdleTimeout(Duration idleTimeout) {
            Checks.notNegative("sessionIdleTimeout", idleTimeout);
            if (idleTimeout.isZero()) {
                throw new IllegalArgumentException("sessionIdleTimeout must be positive, but was " + idleTimeout);
            }
            this.sessionIdleTimeout = idleTimeout;
            return this;
        }

        /**
         * Makes the bus look in its scheduled-event store every {@code interval} for due entries that
         * no instance holds, claim them ({@link ScheduledEventStore#claimDue}) and fire them: the
         * entries other instances sharing the store scheduled after this bus started, and those of an
         * instance that died (its claims lapse after their lease). Default: the bus reads the store
         * only when it starts, which is enough for one instance at a time. Runs on the bus's clock.
         *
         * @param interval positive
         * @return this builder
         */
        public Builder scheduledStorePollInterval(Duration interval) {
            Checks.notNegative("scheduledStorePollInterval", interval);
            if (interval.isZero()) {
                throw new IllegalArgumentException("scheduledStorePollInterval must be positive, but was " + interval);
            }
            this.scheduledStorePollInterval = interval;
            return this;
        }

        /**
         * Sets whether an accepted event that reaches no handler is published as
         * {@link org.llmgine.bus.message.EventUnhandled} (default false; it is counted in
         * {@code stats().events().unhandled()} either way).
         *
         * @param publishUnhandled true to publish them
         * @return this builder
         */
        public Builder publishUnhandled(boolean publishUnhandled) {
            this.publishUnhandled = publishUnhandled;
            return this;
        }

        /**
         * Sets how long accepted events may wait on a bus that was never started before it logs one
         * WARNING (default 5 s).
         *
         * @param unstartedWarning positive
         * @return this builder
         */
        public Builder unstartedWarning(Duration unstartedWarning) {
            Checks.notNegative("unstartedWarning", unstartedWarning);
            if (unstartedWarning.isZero()) {
                throw new IllegalArgumentException("unstartedWarning must be positive, but was " + unstartedWarning);
            }
            this.unstartedWarning = unstartedWarning;
            return this;
        }

        /**
         * Sets how long the same handler failure (same handler, event type and exception type) is
         * only counted after it was logged (default 10 s): the first is logged in full, repeats are
         * counted into the next warning of it, or into a summary line at close. Zero logs every
         * failure.
         *
         * @param interval not negative
         * @return this builder
         */
        public Builder failureLogInterval(Duration interval) {
            Checks.notNegative("failureLogInterval", interval);
            this.failureLogInterval = interval;
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
         * Adds a header propagator, which adds headers (a trace context, say) to each event
         * published and each command executed, on the sending thread; see
         * {@link HeaderPropagator} for when it is called.
         *
         * @param propagator the propagator
         * @return this builder
         */
        public Builder addHeaderPropagator(HeaderPropagator propagator) {
            headerPropagators.add(Objects.requireNonNull(propagator, "propagator"));
            return this;
        }

        /**
         * Sets the store that scheduled events are written through (default: a new
         * {@link InMemoryScheduledEventStore}): each entry is added when scheduled, claimed and
         * completed when it fires, removed when cancelled, and a starting bus schedules every entry
         * still pending. Give two buses (or a bus and its successor after a crash) the same store to
         * carry scheduled events from one to the next.
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
            return new BusConfig(this);
        }

        /**
         * Builds a bus in state {@link BusState#NEW}: register handlers, then call
         * {@link MessageBus#start()}. The implementation is found through {@link ServiceLoader} as
         * the {@link BusFactory} this module provides, so the API packages do not depend on it.
         *
         * @return the bus
         */
        public MessageBus build() {
            return Factory.INSTANCE.create(config());
        }

        /**
         * Builds and starts a bus.
         *
         * @return the running bus
         */
        public MessageBus start() {
            return build().start();
        }

        /** The implementation's factory, looked up once. */
        private static final class Factory {
            /** The implementation's class: no other provider of the service is ever taken. */
            private static final String IMPLEMENTATION = "org.llmgine.bus.internal.DefaultBusFactory";

            static final BusFactory INSTANCE = ServiceLoader.load(BusFactory.class, BusFactory.class.getClassLoader())
                    .stream()
                    .filter(provider -> provider.type().getName().equals(IMPLEMENTATION)
                            && provider.type().getModule() == BusFactory.class.getModule())
                    .findFirst()
                    .map(ServiceLoader.Provider::get)
                    .orElseThrow(() -> new IllegalStateException("no " + IMPLEMENTATION + " found as a provider of "
                            + BusFactory.class.getName() + "; is the org.llmgine.bus jar complete on the module or class"
                            + " path?"));
        }
    }
}
