package org.llmgine.bus.spi;

/**
 * A {@link ScheduledEventStore} in memory: pending scheduled events survive a bus (closed, or
 * dropped without close) and a new bus built with the same store, in the same process. Every bus
 * has one by default. See {@link InMemoryWriteThroughStore} for its order and concurrency.
 */
public final class InMemoryScheduledEventStore extends InMemoryWriteThroughStore<StoredScheduledEvent>
        implements ScheduledEventStore {

    /** Creates an empty store. */
    public InMemoryScheduledEventStore() {
        super("scheduled event");
    }
}
