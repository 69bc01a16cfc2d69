package org.llmgine.bus;

/**
 * A session scope: one conversation. Its handlers see only its events; its events run one after
 * another in acceptance order, in parallel with other sessions.
 *
 * <p>Open one with {@link MessageBus#openSession(String)} and close it with try-with-resources.
 * {@link #close()} waits (up to the bus's close timeout, and only while the bus is running) for the
 * session's accepted events and running commands to finish, then removes all its handlers at once,
 * then publishes
 * {@link org.llmgine.bus.message.SessionEnded}, which only bus-scope handlers see. After close,
 * every method throws {@link SessionClosedException}.
 */
public interface Session extends MessageScope, AutoCloseable {

    /**
     * Returns the session's id.
     *
     * @return the id
     */
    String id();

    /**
     * Tells whether the session is open.
     *
     * @return false once {@link #close()} started
     */
    boolean isOpen();

    /**
     * Closes the session: drains its events and commands (while the bus is running), removes its
     * handlers, publishes SessionEnded. Idempotent. Called from one of the session's own handlers,
     * it does not wait for the session's remaining events (they would wait for the caller); those
     * reach bus-scope handlers only. Called from one of its own commands, it waits for the events
     * but not for the commands.
     */
    @Override
    void close();
}
