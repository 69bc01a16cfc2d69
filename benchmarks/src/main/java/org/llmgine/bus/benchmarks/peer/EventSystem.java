package org.llmgine.bus.benchmarks.peer;

/**
 * A running system that delivers {@link Tick} events to its handlers, created by a {@link SystemKind}.
 */
public interface EventSystem extends AutoCloseable {

    /**
     * Returns the system's label, as in tables and JSON ({@code llmgine-bus}, {@code abq-loop}, ...).
     *
     * @return the label
     */
    String name();

    /**
     * Returns a publisher for one publishing thread.
     *
     * @param index the thread's index, from 0 to {@code publishers - 1} of the {@link Setup}; with
     *     sessions, publishers start their round-robin at different sessions
     * @return a publisher to be used by that thread only
     */
    TickPublisher publisher(int index);

    /**
     * Stops the system after it delivered every accepted event, and releases its threads.
     */
    @Override
    void close();
}
