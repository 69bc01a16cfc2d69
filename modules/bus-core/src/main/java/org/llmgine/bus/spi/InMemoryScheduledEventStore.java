package org.llmgine.bus.spi;

import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.UUID;

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

    /**
     * Claims up to {@code limit} entries due by {@code now} that no live claim holds, oldest due first.
     *
     * @param owner the claiming instance
     * @param now the claimer's time
     * @param until when the claims lapse
     * @param limit at most this many, at least 1
     * @return the entries {@code owner} holds now
     */
    @Override
    public List<StoredScheduledEvent> claimDue(UUID owner, Instant now, Instant until, int limit) {
        return claimUnheld(e -> !e.dueAt().isAfter(now), Comparator.comparing(StoredScheduledEvent::dueAt)
                .thenComparing(e -> e.id().toString()), owner, now, until, limit);
    }
}
