package org.llmgine.bus.internal;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import org.llmgine.bus.DeliveryReport;
import org.llmgine.bus.MessageScope;
import org.llmgine.bus.PublishOptions;
import org.llmgine.bus.PublishOutcome;
import org.llmgine.bus.ScheduledEvent;
import org.llmgine.bus.handler.CommandHandler;
import org.llmgine.bus.handler.EventHandler;
import org.llmgine.bus.handler.EventListener;
import org.llmgine.bus.handler.HandlerInfo;
import org.llmgine.bus.handler.HandlerOptions;
import org.llmgine.bus.handler.Registration;
import org.llmgine.bus.message.Command;
import org.llmgine.bus.message.CommandResult;
import org.llmgine.bus.message.Event;

/**
 * The {@link MessageScope} operations shared by the bus scope and session scopes: argument checks,
 * handler naming and registration, then delegation to the bus with this scope's lane.
 */
abstract sealed class AbstractScope implements MessageScope permits DefaultMessageBus, SessionImpl {

    abstract DefaultMessageBus bus();

    abstract Lane lane();

    abstract ScopeTable table();

    /** Throws the scope's closed exception unless the current thread may still use it. */
    abstract void checkUsable(String action);

    /** The exception for using this scope after it closed. */
    abstract RuntimeException closedError(String action);

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
        long seq = bus().nextRegistrationSeq();
        String name = options.name() != null ? options.name() : deriveName(named, type, seq);
        var info = new HandlerInfo(name, type, options.priority(), lane().sessionId);
        @SuppressWarnings("unchecked") // the plan only passes events that are instances of type
        EventHandler<Event> erased = (EventHandler<Event>) handler;
        var entry = new HandlerEntry(seq, info, erased, table());
        table().add(entry, () -> closedError("register an event handler"));
        return entry;
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
        checkUsable("publish");
        return bus().publisher().fromCaller(lane(), event, options);
    }

    @Override
    public final DeliveryReport publishAndWait(Event event) throws InterruptedException {
        Objects.requireNonNull(event, "event");
        checkUsable("publishAndWait");
        return bus().publisher().andWait(lane(), event, PublishOptions.defaults(), -1L, null);
    }

    @Override
    public final DeliveryReport publishAndWait(Event event, Duration timeout) throws InterruptedException {
        return publishAndWait(event, PublishOptions.defaults(), timeout);
    }

    @Override
    public final DeliveryReport publishAndWait(Event event, PublishOptions options, Duration timeout)
            throws InterruptedException {
        Objects.requireNonNull(event, "event");
        Objects.requireNonNull(options, "options");
        checkTimeout(timeout);
        checkUsable("publishAndWait");
        return bus().publisher().andWait(lane(), event, options, timeout.toNanos(), timeout);
    }

    @Override
    public final ScheduledEvent schedule(Event event, Instant at) {
        return schedule(event, at, PublishOptions.defaults());
    }

    @Override
    public final ScheduledEvent schedule(Event event, Duration delay) {
        Checks.notNegative("delay", delay);
        return schedule(event, bus().config().clock().instant().plus(delay), PublishOptions.defaults());
    }

    @Override
    public final ScheduledEvent schedule(Event event, Instant at, PublishOptions options) {
        Objects.requireNonNull(event, "event");
        Objects.requireNonNull(at, "at");
        Objects.requireNonNull(options, "options");
        checkUsable("schedule");
        return bus().schedules().schedule(lane(), event, at, options);
    }

    @Override
    public final <R> CommandResult<R> execute(Command<R> command) {
        Objects.requireNonNull(command, "command");
        checkUsable("execute");
        return bus().execute(lane(), command, -1L);
    }

    @Override
    public final <R> CommandResult<R> execute(Command<R> command, Duration timeout) {
        Objects.requireNonNull(command, "command");
        checkTimeout(timeout);
        checkUsable("execute");
        return bus().execute(lane(), command, timeout.toNanos());
    }

    @Override
    public final <R> CompletableFuture<CommandResult<R>> executeAsync(Command<R> command) {
        Objects.requireNonNull(command, "command");
        checkUsable("executeAsync");
        return bus().executeAsync(lane(), command);
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
