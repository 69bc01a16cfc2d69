package org.llmgine.bus;

import java.time.Duration;

/**
 * A session scope: one conversation. Its handlers see only its events; its events run one after
 * another in acceptance order, in parallel with other sessions.
 *
 * <p>Open one with {@link MessageBus#openSession(String)} (or find or open it with
 * {@link MessageBus#session(String)} and {@link MessageBus#getOrOpenSession(String)}) and close it
 * with try-with-resources. Closing:
 * <ol>
 *   <li>refuses new work from outside (publishes are {@code Rejected(SESSION_CLOSED)}, executes
 *       {@code Unavailable}); the session's own in-flight work may still publish into it;</li>
 *   <li>cancels its pending approvals, and its pending scheduled events if the bus is configured
 *       with {@link ScheduledOnSessionClose#CANCEL} (by default they are kept and fire into the
 *       session open under the same id at their due time);</li>
 *   <li>waits (up to the timeout, and only while the bus is running) until the session's accepted
 *       events and running commands finished;</li>
 *   <li>removes all its handlers at once, then publishes
 *       {@link org.llmgine.bus.message.SessionEnded}, which only bus-scope handlers see.</li>
 * </ol>
 * A second close, concurrent or later, waits (up to its own timeout) for the first to finish and
 * returns the same report; if its timeout elapses first, or it is called from the session's own
 * work (which the first close may be waiting for), it returns at once with a report that says not
 * drained. A session closed by the bus's close reports what it left in the store.
 * From the moment close begins, {@link MessageBus#session(String)} no longer returns this session
 * and a new session with the same id can be opened once the close finished.
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
     * Closes the session with the bus's close timeout; see {@link #close(Duration)}.
     */
    @Override
    void close();

    /**
     * Closes the session (the steps in the class comment), waiting at most {@code timeout} for its
     * work. Called from one of the session's own handlers, it does not wait for the session's
     * remaining events (they would wait for the caller; they reach bus-scope handlers only); called
     * from one of its own commands, it waits for the events but not for the commands.
     *
     * @param timeout how long to wait for the session's events and commands, not negative
     * @return what the close did; the same report for every call
     */
    SessionCloseReport close(Duration timeout);
}
