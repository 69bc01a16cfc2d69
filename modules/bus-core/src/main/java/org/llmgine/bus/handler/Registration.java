package org.llmgine.bus.handler;

/**
 * A handler registration; closing it removes the handler. Closing is idempotent and never throws.
 *
 * <p>An event already being dispatched when the registration closes may still reach the handler;
 * every event dispatched after {@code close()} returns will not.
 */
public interface Registration extends AutoCloseable {

    /**
     * Removes the handler. Does nothing if it was already removed.
     */
    @Override
    void close();

    /**
     * Tells whether the handler is still registered: false after {@link #close()}, or after its
     * session or bus closed.
     *
     * @return true while registered
     */
    boolean isActive();
}
