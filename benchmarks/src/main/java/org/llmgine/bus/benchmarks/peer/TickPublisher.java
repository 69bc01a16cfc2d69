package org.llmgine.bus.benchmarks.peer;

/**
 * Publishes events into one system from one thread; not thread-safe.
 */
@FunctionalInterface
public interface TickPublisher {

    /**
     * Publishes one event, waiting for room when the system is full.
     *
     * @param tick the event
     * @return true if the system accepted the event (its handlers will see it), false if it refused it
     * @throws InterruptedException if interrupted while waiting for room
     */
    boolean publish(Tick tick) throws InterruptedException;
}
