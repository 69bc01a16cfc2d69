package org.llmgine.bus.handler;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.jspecify.annotations.Nullable;
import org.llmgine.bus.CommandHandle;
import org.llmgine.bus.ExecuteOptions;
import org.llmgine.bus.PublishOptions;
import org.llmgine.bus.PublishOutcome;
import org.llmgine.bus.ScheduledEvent;
import org.llmgine.bus.message.Command;
import org.llmgine.bus.message.CommandResult;
import org.llmgine.bus.message.Event;
import org.llmgine.bus.message.Headers;
import org.llmgine.bus.message.MessageId;

/**
 * The envelope of a message being handled (id, scope, timestamp, headers, priority, attempt,
 * cancellation and deadline) and the way to publish, schedule and execute more in the same scope.
 *
 * <p>Events published, scheduled and commands executed through a context carry this message's
 * headers onward (merged under the options' own), so a trace id set on the first message reaches
 * every message that follows from it.
 *
 * <p><b>Rights follow the context, not the thread.</b> Work done through a context keeps the
 * rights and limits of the handler it belongs to on whichever thread it runs (a helper thread, a
 * timeout or bulkhead decorator's thread): a publish through an event's context never waits for
 * queue room (the handler holds a slot; waiting could wait for itself), an execute through it is
 * part of the handler's work for deadlock detection, and both are admitted while the bus or session
 * drains.
 *
 * <p><b>Lifetime.</b> A command's context is valid until its handler (and middleware) returned:
 * publishing, scheduling or executing through it later throws {@link IllegalStateException} naming
 * the command. An event's context stays usable after its handlers returned, for as long as its
 * scope is open: a callback a handler left behind (a token stream, a tool's progress) may go on
 * publishing follow-ups into the event's session with its headers; that work keeps the context's
 * rights (it never waits for queue room: it is rejected at once when the queue is full). Marking
 * every event's context as finished would cost a write to its envelope from the worker on every
 * event, which measured at a fifth of the publish rate; so the rule for events is the scope's
 * life, not the handler's. After its bus or session closed for good (work that outlived the close
 * timeout), a context's publish returns {@code Rejected(BUS_CLOSED | SESSION_CLOSED)} and its
 * execute {@code Unavailable}, as for any caller; only {@code schedule} throws
 * ({@link org.llmgine.bus.BusClosedException}, {@link org.llmgine.bus.SessionClosedException}).
 * Reading the envelope stays allowed.
 */
public interface MessageContext {

    /**
     * Returns the id the bus gave this message: for an event when it was accepted, for a command
     * when its execution started. Unique across buses and restarts.
     *
     * @return the message id
     */
    MessageId messageId();

    /**
     * Returns the session this message belongs to.
     *
     * @return the session id, or null when the message is in the bus scope
     */
    @Nullable String sessionId();

    /**
     * Returns when the bus accepted the message, read from the bus's clock.
     *
     * @return the acceptance time
     */
    Instant timestamp();

    /**
     * Returns the message's headers: those it was published or executed with, or for a message
     * published or executed through another context, that context's headers.
     *
     * @return the headers, possibly empty
     */
    Headers headers();

    /**
     * Returns the priority the message was published or executed with ({@link Priority#NORMAL}
     * unless its options chose one). It is metadata for handlers and middleware.
     *
     * @return the priority, 0-100
     */
    int priority();

    /**
     * Returns which attempt this is: 1 for the first; a retry decorator passes
     * {@link #withAttempt(int)} contexts with higher values.
     *
     * @return the attempt number, at least 1
     */
    int attempt();

    /**
     * Returns a view of this context that reports {@code attempt} (what a retry decorator hands the
     * handler it calls again). For a command, the highest attempt reported becomes the attempts of
     * its {@code CommandCompleted}.
     *
     * @param attempt at least 1
     * @return a context that differs only in {@link #attempt()}
     * @throws IllegalArgumentException if {@code attempt} is less than 1
     */
    MessageContext withAttempt(int attempt);

    /**
     * Tells whether the work was cancelled: the command through its handle, by id, by its caller's
     * interrupt or timeout, or the bus's close (which also cancels running event handlers). The
     * handler's thread is interrupted as well; this is for code that cannot see interrupts.
     *
     * @return true once cancelled
     */
    boolean isCancelled();

    /**
     * Returns when the caller stops waiting: the command's timeout, on the bus's clock.
     *
     * @return the deadline, or empty when there is none (always for events)
     */
    Optional<Instant> deadline();

    /**
     * Waits {@code duration} on the bus's clock: what a retry decorator does between attempts. The
     * wait is a task of the bus's timer, so with an injected {@link org.llmgine.bus.spi.ObservableClock}
     * a test advances the clock instead of sleeping; on the system clock it is a real-time wait.
     * Cancelling the work (or the bus's close) interrupts it.
     *
     * @param duration how long, not negative; zero returns at once
     * @throws InterruptedException if the thread is interrupted while waiting, or the bus is closing
     *     (its timer no longer runs)
     */
    void sleep(Duration duration) throws InterruptedException;

    /**
     * Publishes an event in this message's scope (its session, or the bus scope), with this
     * message's headers and the default priority.
     *
     * @param event the event
     * @return whether the event was accepted
     * @throws IllegalStateException if this is a command's context and its handler already returned
     */
    default PublishOutcome publish(Event event) {
        return publish(event, PublishOptions.defaults());
    }

    /**
     * Publishes an event in this message's scope with a priority and headers of its own (added to
     * this message's).
     *
     * @param event the event
     * @param options the priority and extra headers
     * @return whether the event was accepted
     * @throws IllegalStateException if this is a command's context and its handler already returned
     */
    PublishOutcome publish(Event event, PublishOptions options);

    /**
     * Schedules an event in this message's scope, with this message's headers; see
     * {@link org.llmgine.bus.MessageScope#schedule(Event, Instant)}.
     *
     * @param event the event
     * @param delay from now, on the bus's clock; not negative
     * @return its handle
     * @throws IllegalStateException if this is a command's context and its handler already returned
     */
    default ScheduledEvent schedule(Event event, Duration delay) {
        return schedule(event, delay, PublishOptions.defaults());
    }

    /**
     * Schedules an event in this message's scope with a priority and headers of its own (added to
     * this message's).
     *
     * @param event the event
     * @param delay from now, on the bus's clock; not negative
     * @param options the priority and extra headers it is published with
     * @return its handle
     * @throws IllegalStateException if this is a command's context and its handler already returned
     */
    ScheduledEvent schedule(Event event, Duration delay, PublishOptions options);

    /**
     * Executes a command in this message's scope, with this message's headers, and waits for its
     * result.
     *
     * @param command the command
     * @param <R> the result type
     * @return the result, never null
     * @throws IllegalStateException if this is a command's context and its handler already returned
     */
    default <R> CommandResult<R> execute(Command<R> command) {
        return execute(command, ExecuteOptions.defaults());
    }

    /**
     * Executes a command in this message's scope and waits at most {@code timeout}; see
     * {@link org.llmgine.bus.MessageScope#execute(Command, Duration)}.
     *
     * @param command the command
     * @param timeout the deadline
     * @param <R> the result type
     * @return the result, never null
     * @throws IllegalStateException if this is a command's context and its handler already returned
     */
    default <R> CommandResult<R> execute(Command<R> command, Duration timeout) {
        return execute(command, ExecuteOptions.defaults().withTimeout(timeout));
    }

    /**
     * Executes a command in this message's scope with options (headers added to this message's).
     *
     * @param command the command
     * @param options headers, timeout, priority
     * @param <R> the result type
     * @return the result, never null
     * @throws IllegalStateException if this is a command's context and its handler already returned
     */
    <R> CommandResult<R> execute(Command<R> command, ExecuteOptions options);

    /**
     * Starts a command in this message's scope without waiting for it. The command is part of this
     * handler's work while it runs: if the handler returns first, the command keeps running.
     *
     * @param command the command
     * @param <R> the result type
     * @return a handle on the result
     * @throws IllegalStateException if this is a command's context and its handler already returned
     */
    default <R> CommandHandle<R> executeAsync(Command<R> command) {
        return executeAsync(command, ExecuteOptions.defaults());
    }

    /**
     * Starts a command in this message's scope with options (headers added to this message's; a
     * timeout stops it with {@code TimedOut}) without waiting for it.
     *
     * @param command the command
     * @param options headers, timeout, priority
     * @param <R> the result type
     * @return a handle on the result
     * @throws IllegalStateException if this is a command's context and its handler already returned
     */
    <R> CommandHandle<R> executeAsync(Command<R> command, ExecuteOptions options);
}
