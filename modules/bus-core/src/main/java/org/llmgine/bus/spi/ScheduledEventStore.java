package org.llmgine.bus.spi;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.UUID;

/**
 * The write-through store of a bus's scheduled events ({@link WriteThroughStore}): the bus adds an
 * entry when an event is scheduled, claims it with a lease and completes it when it fires, cancels
 * it when the handle (or the session's close, under {@code ScheduledOnSessionClose.CANCEL}) cancels
 * it, and schedules every pending entry when it starts. A bus that crashed without closing leaves
 * its entries pending, so its successor on the same store fires them: at least once (an event that
 * fired just before the crash, before its entry was completed, fires again).
 *
 * <p>{@link InMemoryScheduledEventStore} is the default (it survives a bus, not the process); the
 * store module provides JDBC stores.
 */
public interface ScheduledEventStore extends WriteThroughStore<StoredScheduledEvent> {

    /**
     * Claims up to {@code limit} entries due by {@code now} for {@code owner} and returns them, oldest
     * due first: what a bus polling its store
     * ({@link org.llmgine.bus.MessageBus.Builder#scheduledStorePollInterval}) fires. An entry another
     * instance holds is left to it until its lease lapses. The default walks {@link #pending()} and
     * {@link #claim}s each due entry (so an entry {@code owner} holds already comes back too); a
     * database store claims a batch in one statement and returns only entries nobody held.
     *
     * @param owner the claiming bus instance
     * @param now the claimer's time
     * @param until when the claims lapse
     * @param limit at most this many, at least 1
     * @return the entries {@code owner} holds now
     * @throws Exception if the store could not be reached
     */
    default List<StoredScheduledEvent> claimDue(UUID owner, Instant now, Instant until, int limit) throws Exception {
        if (limit < 1) {
            throw new IllegalArgumentException("limit must be at least 1, but was " + limit);
        }
        List<StoredScheduledEvent> due = new ArrayList<>(pending());
        due.sort(Comparator.comparing(StoredScheduledEvent::dueAt));
        List<StoredScheduledEvent> claimed = new ArrayList<>();
        for (StoredScheduledEvent entry : due) {
            if (claimed.size() == limit || entry.dueAt().isAfter(now)) {
                break;
            }
            if (claim(entry.id(), owner, now, until)) {
                claimed.add(entry);
            }
        }
        return claimed;
    }
}
