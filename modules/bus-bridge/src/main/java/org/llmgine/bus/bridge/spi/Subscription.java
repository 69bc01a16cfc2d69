package org.llmgine.bus.bridge.spi;

/**
 * A running subscription of a transport: records flow to its sink until it is closed. Paused, the
 * transport stops fetching (records already fetched may still arrive); the source keeps the
 * backlog (Kafka: the broker keeps it, and the consumer stays in its group while paused).
 */
public interface Subscription extends AutoCloseable {

    /** Stops fetching new records until {@link #resume}. Idempotent; any thread. */
    void pause();

    /** Fetches again. Idempotent; any thread. */
    void resume();

    /**
     * Tells whether the subscription is paused.
     *
     * @return true between {@link #pause} and {@link #resume}
     */
    boolean isPaused();

    /**
     * Stops the subscription: no record reaches the sink after this returns; records not done are
     * delivered again to whoever subscribes next (at least once).
     */
    @Override
    void close();
}
