package org.llmgine.bus.internal;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import org.jspecify.annotations.Nullable;
import org.llmgine.bus.CommandHandle;
import org.llmgine.bus.DeliveryOutcome;
import org.llmgine.bus.ExecuteOptions;
import org.llmgine.bus.MessageScope;
import org.llmgine.bus.PublishOptions;
import org.llmgine.bus.PublishOutcome;
import org.llmgine.bus.RejectionReason;
import org.llmgine.bus.ScheduledEvent;
import org.llmgine.bus.base.Checks;
import org.llmgine.bus.handler.CommandHandler;
import org.llmgine.bus.handler.EventHandler;
import org.llmgine.bus.handler.EventListener;
import org.llmgine.bus.handler.HandlerInfo;
import org.llmgine.bus.handler.HandlerOptions;
import org.llmgine.bus.handler.Registration;
import org.llmgine.bus.message.Command;
import org.llmgine.bus.message.CommandResult;
import org.llmgine.bus.message.Event;
import org.llmgine.bus.message.SessionEnded;

/**
 * The {@link MessageScope} operations shared by the bus scope and session scopes: argument checks,
 * handler naming and registration, then delegation to the bus with this scope's lane.
 *
 * <p>Publishing and executing never throw for a closed scope: {@link #refusal()} names the reason
 * and the call returns it as an outcome; registering and scheduling in a closed scope throw.
 */
abstract sealed class AbstractScope implements MessageScope permits DefaultMessageBus, SessionImpl {

    abstract DefaultMessageBus bus();

    abstract Lane lane();

    abstract ScopeTable table();

    /** Throws the scope's closed exception unless the current thread may still use it. */
    abstract void checkUsable(String action);

    /** The exception for using this scope after it closed. */
    abstract RuntimeException closedError(String action);

    /**
     * Why this scope refuses outside traffic now, or null if it accepts it: a rejection reason for
     * publishes ({@code BUS_CLOSED} or {@code SESSION_CLOSED}).
     */
    abstract @Nullable RejectionReason refusal();

    @Override
    public final <E extends Event> Registration subscribe(Class<E> type, EventListener<? super E> listener) {
        return subscribe(type, HandlerOptions.defaults(), listener);
    }

    @Override
    public final <E extends Event> Registration subscribe(Class<E> type, HandlerOptions options,
            EventListener<? super E> listener) {
        Objects.requireNonNull(listener, "listener");
        return register(type, options, listener, (event, context) -> listener.handle(event));
    }

    @Override
    public final <E extends Event> Registration registerEventHandler(Class<E> type, EventHandler<? super E> handler) {
        return registerEventHandler(type, HandlerOptions.defaults(), handler);
    }

    @Override
    public final <E extends Event> Registration registerEventHandler(Class<E> type, HandlerOptions options,
            EventHandler<? super E> handler) {
        Objects.requireNonNull(handler, "handler");
        return register(type, options, handler, handler);
    }

    private <E extends Event> Registration register(Class<E> type, HandlerOptions options, Object named,
            EventHandler<? super E> handler) {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(options, "options");
        checkUsable("register an event handler");
        String sessionId = lane().sessionId;
        if (sessionId != null && type == SessionEnded.class) {
            throw new IllegalArgumentException("session '" + sessionId + "' cannot subscribe to its own SessionEnded:"
                    + " its handlers are removed before SessionEnded is published, so it would never be called;"
                    + " subscribe to SessionEnded in the bus scope instead");
        }
        long seq = bus().nextRegistrationSeq();
        String explicit = options.name();
        String name = explicit != null ? explicit : deriveName(named, type, seq);
        @SuppressWarnings("unchecked") // the plan only passes events that are instances of type
        EventHandler<Event> erased = (EventHandler<Event>) handler;
        while (true) {
            var entry = new HandlerEntry(seq, new HandlerInfo(name, type, options.priority(), sessionId), erased,
                    options.condition(), table());
            HandlerEntry existing = table().add(entry, () -> closedError("register an event handler"));
            if (existing == null) {
                return entry;
            }
            if (explicit != null) {
                throw new IllegalArgumentException("an event handler named '" + name + "' is already registered in "
                        + table().describe() + " of bus '" + bus().name() + "' (for " + existing.type.getName()
                        + "); handler names must be unique in a scope");
            }
            name = deriveName(named, type, seq) + "-" + seq; // two instances of one handler class
        }
    }

    @Override
    public final <C extends Command<R>, R> Registration registerCommand(Class<C> type, CommandHandler<C, R> handler) {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(handler, "handler");
        checkUsable("register a command handler");
        String name = deriveName(handler, type, bus().nextRegistrationSeq());
        @SuppressWarnings("unchecked") // lookup is by exact class, so only C instances reach it
        CommandHandler<Command<Object>, Object> erased = (CommandHandler<Command<Object>, Object>) (Object) handler;
        var entry = new CommandEntry(name, type, erased, table());
        CommandEntry existing = table().add(entry, () -> closedError("register a command handler"));
        if (existing != null) {
            throw new IllegalStateException("a command handler for " + type.getName() + " is already registered in "
                    + table().describe() + " of bus '" + bus().name() + "' (registered: " + existing.name
                    + ", rejected: " + name + ")");
        }
        return entry;
    }

    @Override
    public final PublishOutcome publish(Event event) {
        return publish(event, PublishOptions.defaults());
    }

    @Override
    public final PublishOutcome publish(Event event, PublishOptions options) {
        Objects.requireNonNull(event, "event");
        Objects.requireNonNull(options, "options");
        var refused = refusal();
        if (refused != null) {
            return bus().publisher().refused(lane(), event, options.headers(), options.priority(), refused,
                    "cannot publish " + event.getClass().getName()
                    + ": " + closedError("publish").getMessage());
        }
        return bus().publisher().fromCaller(lane(), event, options);
    }

    @Override
    public final DeliveryOutcome publishAndWait(Event event) throws InterruptedException {
        Objects.requireNonNull(event, "event");
        return andWait(event, PublishOptions.defaults(), null);
    }

    @Override
    public final DeliveryOutcome publishAndWait(Event event, Duration timeout) throws InterruptedException {
        return publishAndWait(event, PublishOptions.defaults(), timeout);
    }

    @Override
    public final DeliveryOutcome publishAndWait(Event event, PublishOptions options, Duration timeout)
            throws InterruptedException {
        Objects.requireNonNull(event, "event");
        Objects.requireNonNull(options, "options");
        checkTimeout(timeout);
        return andWait(event, options, timeout);
    }

    private DeliveryOutcome andWait(Event event, PublishOptions options, @Nullable Duration timeout)
            throws InterruptedException {
        var refused = refusal();
        if (refused != null) {
            return new DeliveryOutcome.NotAccepted(bus().publisher().refused(lane(), event, options.headers(),
                    options.priority(), refused,
                    "cannot publishAndWait " + event.getClass().getName() + ": "
                            + closedError("publishAndWait").getMessage()));
        }
        return bus().publisher().andWait(lane(), event, options, timeout == null ? -1L : timeout.toNanos(), timeout);
    }

    @Override
    public final CompletableFuture<DeliveryOutcome> publishAsync(Event event, PublishOptions options) {
        Objects.requireNonNull(event, "event");
        Objects.requireNonNull(options, "options");
        var refused = refusal();
        if (refused != null) {
            return CompletableFuture.completedFuture(new DeliveryOutcome.NotAccepted(bus().publisher().refused(lane(),
                    event, options.headers(), options.priority(), refused, "cannot publishAsync "
                            + event.getClass().getName() + ": " + closedError("publishAsync").getMessage())));
        }
        return bus().publisher().async(lane(), event, options);
    }

    @Override
    public final ScheduledEvent schedule(Event event, Instant at) {
        return schedule(event, at, PublishOptions.defaults());
    }

    @Override
    public final ScheduledEvent schedule(Event event, Duration delay) {
        return schedule(event, delay, PublishOptions.defaults());
    }

    @Override
    public final ScheduledEvent schedule(Event event, Duration delay, PublishOptions options) {
        Checks.notNegative("delay", delay);
        return schedule(event, bus().config().clock().instant().plus(delay), options);
    }

    @Override
    public final ScheduledEvent schedule(Event event, Instant at, PublishOptions options) {
        Objects.requireNonNull(event, "event");
        Objects.requireNonNull(at, "at");
        Objects.requireNonNull(options, "options");
        checkUsable("schedule");
        touch();
        return bus().schedules().schedule(lane(), event, at, options);
    }

    @Override
    public List<ScheduledEvent> scheduledEvents() {
        String sessionId = lane().sessionId;
        return bus().schedules().list(sessionId, sessionId == null);
    }

    @Override
    public final <R> CommandResult<R> execute(Command<R> command) {
        return execute(command, ExecuteOptions.defaults());
    }

    @Override
    public final <R> CommandResult<R> execute(Command<R> command, Duration timeout) {
        checkTimeout(timeout);
        return execute(command, ExecuteOptions.defaults().withTimeout(timeout));
    }

    @Override
    public final <R> CommandResult<R> execute(Command<R> command, ExecuteOptions options) {
        Objects.requireNonNull(command, "command");
        Objects.requireNonNull(options, "options");
        touch();
        return bus().commands().execute(lane(), command, options, null, false);
    }

    @Override
    public final <R> CommandHandle<R> executeAsync(Command<R> command) {
        return executeAsync(command, ExecuteOptions.defaults());
    }

    @Override
    public final <R> CommandHandle<R> executeAsync(Command<R> command, ExecuteOptions options) {
        Objects.requireNonNull(command, "command");
        Objects.requireNonNull(options, "options");
        touch();
        return bus().commands().start(lane(), command, options, null, false);
    }

    /** Notes use of the scope (for a session's idle expiry). */
    void touch() {
    }

    static void checkTimeout(Duration timeout) {
        Checks.notNegative("timeout", timeout);
    }

    /** A readable handler name: the class's simple name, or {@code <Type>-handler-<n>} for lambdas. */
    static String deriveName(Object handler, Class<?> type, long seq) {
        Class<?> c = handler.getClass();
        if (c.isHidden() || c.isAnonymousClass() || c.isSynthetic() || c.getSimpleName().isEmpty()) {
            return type.getSimpleName() + "-handler-" + seq;
        }
        return c.getSimpleName();
    }
}
