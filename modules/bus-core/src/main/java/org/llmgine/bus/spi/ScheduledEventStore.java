package org.llmgine.bus.spi;

import java.util.List;

/**
 * Where a closing bus puts its pending scheduled events, and where a starting bus takes them back
 * from, so they outlive a restart. {@link InMemoryScheduledEventStore} keeps them in memory (for a
 * bus restarted in the same process); a persistent store serialises them as it sees fit.
 *
 * <p>Implementations must be thread-safe. A {@code save} that throws is logged at ERROR and its
 * events are listed in the close report, so they are never lost silently.
 */
public interface ScheduledEventStore {

    /**
     * Keeps the pending scheduled events of a closing bus.
     *
     * @param events the events, in due order
     * @throws Exception if they could not be kept
     */
    void save(List<StoredScheduledEvent> events) throws Exception;

    /**
     * Removes and returns every kept event, for a starting bus to schedule again.
     *
     * @return the events, in any order (the bus restores them in due order)
     * @throws Exception if they could not be read; the bus logs it and starts without them
     */
    List<StoredScheduledEvent> takeAll() throws Exception;
}
