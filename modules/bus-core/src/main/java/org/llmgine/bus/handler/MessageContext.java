package org.llmgine.bus.handler;

import java.time.Instant;
import org.jspecify.annotations.Nullable;
import org.llmgine.bus.PublishOutcome;
import org.llmgine.bus.message.Command;
import org.llmgine.bus.message.CommandResult;
import org.llmgine.bus.message.Event;
import org.llmgine.bus.message.Headers;

/**
 * The envelope of a message being handled (id, scope, timestamp, headers) and a way to publish
 * events or execute commands in the same scope.
 *
 * <p>Events published and commands executed through a context carry this message's headers
 * onward, so a trace id set on the first event reaches every message that follows from it. A
 * context is valid while its handler runs: publishing or executing through it after the bus
 * closed throws {@link org.llmgine.bus.BusClosedException}, and after its session closed
 * {@link org.llmgine.bus.SessionClosedException} (for example work that outlived the session's
 * close timeout, or a bus-scope handler still running the session's events after the session was
 * closed from one of its own handlers).
 */
public interface MessageContext {

    /**
     * Returns the id the bus gave this message when it accepted it; ids are unique per bus and
     * increase in acceptance order.
     *
     * @return the message id
     */
    long messageId();

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
     * Returns the message's headers: those it was published with, or for a message published or
     * executed through another context, that context's headers. A command executed directly
     * through the bus or a session has none.
     *
     * @return the headers, possibly empty
     */
    Headers headers();

    /**
     * Returns which delivery attempt this is: 1 for the first; retry decorators pass higher values.
     *
     * @return the attempt number, at least 1
     */
    int attempt();

    /**
     * Publishes an event in this message's scope (its session, or the bus scope), with this
     * message's headers and the default priority.
     *
     * @param event the event
     * @return whether the event was accepted
     */
    PublishOutcome publish(Event event);

    /**
     * Executes a command in this message's scope, with this message's headers, and waits for its
     * result.
     *
     * @param command the command
     * @param <R> the result type
     * @return the result, never null
     */
    <R> CommandResult<R> execute(Command<R> command);
}
