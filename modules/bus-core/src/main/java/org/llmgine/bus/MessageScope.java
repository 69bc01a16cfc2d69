package org.llmgine.bus;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.llmgine.bus.handler.CommandHandler;
import org.llmgine.bus.handler.EventHandler;
import org.llmgine.bus.handler.EventListener;
import org.llmgine.bus.handler.HandlerOptions;
import org.llmgine.bus.handler.Registration;
import org.llmgine.bus.message.Command;
import org.llmgine.bus.message.CommandResult;
import org.llmgine.bus.message.Event;

/**
 * What the bus scope ({@link MessageBus}) and a session scope ({@link Session}) both offer:
 * registering handlers, publishing events and executing commands in that scope.
 *
 * <p>Bus-scope event handlers receive every event of their type, whatever its session; session
 * handlers receive only their session's events. A command executed in a session runs the session's
 * handler for its exact class if there is one, else the bus scope's.
 *
 * <p><b>Errors.</b> Publishing and executing report a closed scope as an outcome, never as an
 * exception, whatever the timing: {@code publish} returns {@code Rejected(BUS_CLOSED)} or
 * {@code Rejected(SESSION_CLOSED)}, {@code publishAndWait} a {@link DeliveryOutcome.NotAccepted}
 * of it, {@code execute} a {@link org.llmgine.bus.message.FailureCause.Unavailable} failure.
 * Registering handlers and scheduling in a closed scope throw {@link BusClosedException} or
 * {@link SessionClosedException}: those are set-up mistakes, not outcomes of traffic.
 */
public interface MessageScope {

    /**
     * Subscribes a listener to events of {@code type} and its subtypes, with default options.
     *
     * @param type the event class; a sealed parent or interface matches every implementation
     * @param listener the listener
     * @param <E> the event type
     * @return the registration; close it to unsubscribe
     * @throws BusClosedException if this scope is closed
     */
    <E extends Event> Registration subscribe(Class<E> type, EventListener<? super E> listener);

    /**
     * Subscribes a listener to events of {@code type} and its subtypes.
     *
     * @param type the event class
     * @param options the handler's name, priority and condition
     * @param listener the listener
     * @param <E> the event type
     * @return the registration
     * @throws IllegalArgumentException if this scope already has an event handler of that name, or
     *     a session subscribes to its own {@link org.llmgine.bus.message.SessionEnded} (which it
     *     never receives: its handlers are gone when it is published)
     * @throws BusClosedException if this scope is closed
     */
    <E extends Event> Registration subscribe(Class<E> type, HandlerOptions options, EventListener<? super E> listener);

    /**
     * Registers an event handler that also receives the {@link org.llmgine.bus.handler.EventContext}.
     *
     * @param type the event class
     * @param handler the handler
     * @param <E> the event type
     * @return the registration
     * @throws BusClosedException if this scope is closed
     */
    <E extends Event> Registration registerEventHandler(Class<E> type, EventHandler<? super E> handler);

    /**
     * Registers an event handler that also receives the context, with options.
     *
     * @param type the event class
     * @param options the handler's name, priority and condition
     * @param handler the handler
     * @param <E> the event type
     * @return the registration
     * @throws BusClosedException if this scope is closed
     */
    <E extends Event> Registration registerEventHandler(Class<E> type, HandlerOptions options,
            EventHandler<? super E> handler);

    /**
     * Registers the handler of a command class in this scope. There is one handler per command
     * class and scope.
     *
     * @param type the exact command class
     * @param handler the handler
     * @param <C> the command type
     * @param <R> its result type
     * @return the registration
     * @throws IllegalStateException if this scope already has a handler for {@code type}; the
     *     message names both handlers
     * @throws BusClosedException if this scope is closed
     */
    <C extends Command<R>, R> Registration registerCommand(Class<C> type, CommandHandler<C, R> handler);

    /**
     * Publishes an event in this scope without waiting for its handlers.
     *
     * @param event the event
     * @return accepted, filtered or rejected (also when the scope is closed); never null
     */
    PublishOutcome publish(Event event);

    /**
     * Publishes an event with headers and a priority in this scope without waiting for its
     * handlers.
     *
     * @param event the event
     * @param options the headers and priority that handlers read from their context
     * @return accepted, filtered or rejected (also when the scope is closed); never null
     */
    PublishOutcome publish(Event event, PublishOptions options);

    /**
     * Publishes an event and waits, without a timeout, until all its handlers finished: only for
     * this event, not for the rest of the queue.
     *
     * @param event the event
     * @return what became of it
     * @throws EventDeliveryException under {@link ErrorPolicy#PROPAGATE} if handlers failed
     * @throws WouldDeadlockException if the wait could never end: called from a handler of the
     *     session the event goes to, or closing a wait cycle across sessions (the message names it)
     * @throws InterruptedException if interrupted while waiting
     */
    DeliveryOutcome publishAndWait(Event event) throws InterruptedException;

    /**
     * Publishes an event and waits at most {@code timeout} for its handlers to finish.
     *
     * @param event the event
     * @param timeout how long to wait for delivery
     * @return what became of it ({@link DeliveryOutcome.TimedOut} if the handlers did not finish
     *     in time; they keep running)
     * @throws EventDeliveryException under {@link ErrorPolicy#PROPAGATE} if handlers failed
     * @throws WouldDeadlockException if the wait could never end
     * @throws InterruptedException if interrupted while waiting
     */
    DeliveryOutcome publishAndWait(Event event, Duration timeout) throws InterruptedException;

    /**
     * Publishes an event with options and waits at most {@code timeout} for its handlers to finish.
     *
     * @param event the event
     * @param options the headers and priority that handlers read from their context
     * @param timeout how long to wait for delivery
     * @return what became of it
     * @throws EventDeliveryException under {@link ErrorPolicy#PROPAGATE} if handlers failed
     * @throws WouldDeadlockException if the wait could never end
     * @throws InterruptedException if interrupted while waiting
     */
    DeliveryOutcome publishAndWait(Event event, PublishOptions options, Duration timeout) throws InterruptedException;

    /**
     * Publishes an event with options and returns at once with a future of what became of it: the
     * non-blocking form of {@link #publishAndWait(Event, PublishOptions, Duration)}, for a caller
     * that must not park per event, such as a bridge that commits a consumed record only once its
     * handlers ran while it goes on publishing the records behind it in order. The future completes
     * when the event ends (every handler ran, or it was dropped, handed back at close or cancelled),
     * or at once if it was not accepted; it never times out by itself ({@code orTimeout} does).
     * Under {@link ErrorPolicy#PROPAGATE} a delivery with failures completes it exceptionally with
     * an {@link EventDeliveryException}. Dependent stages that are not {@code ...Async} run on the
     * thread that ended the event, a handler thread of the bus: keep them short. Since nothing
     * waits, this may be called from a handler of the session the event goes to.
     *
     * @param event the event
     * @param options the headers and priority that handlers read from their context
     * @return the future outcome; never null
     */
    CompletableFuture<DeliveryOutcome> publishAsync(Event event, PublishOptions options);

    /**
     * Schedules an event to be published in this scope at {@code at}, on the bus's clock. The entry
     * is written to the bus's {@code ScheduledEventStore} before this returns (so a crash loses
     * nothing), and removed when it fires or is cancelled. When due it goes through the normal
     * publish path (filters, backpressure) without waiting for room: a full queue rejects it, which
     * is counted, logged and visible on the handle. A session's event is published in the session
     * open under its id at that time (a session closed and reopened, or reopened on a restarted
     * bus, gets it); with none open, only bus-scope handlers see it. What a session's close does to
     * its pending events is {@code BusConfig.scheduledOnSessionClose()}.
     *
     * @param event the event
     * @param at when to publish it; a time in the past means now
     * @return a handle to follow or cancel it
     * @throws BusClosedException if this scope is closed
     * @throws IllegalStateException if the store could not write the entry (nothing is scheduled)
     */
    ScheduledEvent schedule(Event event, Instant at);

    /**
     * Schedules an event to be published in this scope after {@code delay}; see
     * {@link #schedule(Event, Instant)}.
     *
     * @param event the event
     * @param delay how long from now, on the bus's clock
     * @return a handle to follow or cancel it
     * @throws IllegalArgumentException if the delay is negative
     * @throws BusClosedException if this scope is closed
     */
    ScheduledEvent schedule(Event event, Duration delay);

    /**
     * Schedules an event with headers and a priority; see {@link #schedule(Event, Instant)}.
     *
     * @param event the event
     * @param at when to publish it
     * @param options the headers and priority it is published with
     * @return a handle to follow or cancel it
     * @throws BusClosedException if this scope is closed
     */
    ScheduledEvent schedule(Event event, Instant at, PublishOptions options);

    /**
     * Schedules an event after {@code delay} with headers and a priority; see
     * {@link #schedule(Event, Instant)}.
     *
     * @param event the event
     * @param delay how long from now, on the bus's clock; not negative
     * @param options the headers and priority it is published with
     * @return a handle to follow or cancel it
     * @throws BusClosedException if this scope is closed
     */
    ScheduledEvent schedule(Event event, Duration delay, PublishOptions options);

    /**
     * Returns the pending scheduled events of this scope (for the bus: of every scope), including
     * those restored from the store at start, in due order.
     *
     * @return a snapshot of handles
     */
    List<ScheduledEvent> scheduledEvents();

    /**
     * Executes a command in this scope and waits for its result. The handler runs on a virtual
     * thread of the bus. If the caller is interrupted, the handler is interrupted and the result is
     * a {@link org.llmgine.bus.message.FailureCause.Cancelled} failure; the caller's interrupt flag
     * stays set.
     *
     * @param command the command
     * @param <R> the result type
     * @return the result; never null (a closed or not yet started scope is an {@code Unavailable} failure)
     */
    <R> CommandResult<R> execute(Command<R> command);

    /**
     * Executes a command and waits at most {@code timeout}; on timeout the handler is interrupted
     * and the result is a {@link org.llmgine.bus.message.FailureCause.TimedOut} failure.
     * {@link Duration#ZERO} fails that way at once, without running the handler.
     *
     * @param command the command
     * @param timeout the deadline, not negative
     * @param <R> the result type
     * @return the result; never null
     */
    <R> CommandResult<R> execute(Command<R> command, Duration timeout);

    /**
     * Executes a command with options (headers for its context, timeout, priority) and waits for its
     * result.
     *
     * @param command the command
     * @param options the options
     * @param <R> the result type
     * @return the result; never null
     */
    <R> CommandResult<R> execute(Command<R> command, ExecuteOptions options);

    /**
     * Starts a command without waiting.
     *
     * @param command the command
     * @param <R> the result type
     * @return a handle: its id, its result to come (always completing normally), and cancel
     */
    <R> CommandHandle<R> executeAsync(Command<R> command);

    /**
     * Starts a command with options without waiting; a timeout in the options cancels it with
     * {@code TimedOut} when it elapses.
     *
     * @param command the command
     * @param options the options
     * @param <R> the result type
     * @return a handle on the execution
     */
    <R> CommandHandle<R> executeAsync(Command<R> command, ExecuteOptions options);

    /**
     * Waits until every event accepted in this scope has finished and no command of this scope
     * runs (for the bus: every accepted event and every running command, of all scopes).
     *
     * @param timeout how long to wait
     * @return true if idle, false if the timeout elapsed first
     * @throws WouldDeadlockException if called from work this wait would be waiting for
     * @throws InterruptedException if interrupted while waiting
     */
    boolean awaitIdle(Duration timeout) throws InterruptedException;
}
