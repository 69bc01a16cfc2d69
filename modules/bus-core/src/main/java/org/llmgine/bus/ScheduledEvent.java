package org.llmgine.bus;

import java.time.Instant;
import java.util.Optional;
import org.jspecify.annotations.Nullable;
import org.llmgine.bus.message.Event;
import org.llmgine.bus.message.MessageId;

/**
 * A handle on an event scheduled with {@link MessageScope#schedule(Event, Instant)}: when it is
 * due, what became of it, and a way to cancel it. Handles of events restored from the store at
 * start come from {@link MessageBus#scheduledEvent(MessageId)} and {@link MessageScope#scheduledEvents()}.
 */
public interface ScheduledEvent {

    /**
     * What became of a scheduled event; the names match {@code stats().scheduled()}.
     */
    enum State {
        /** Waiting for its due time (counted in {@code pending}). */
        PENDING,
        /**
         * Due and published (counted in {@code fired}): {@link #outcome()} says whether the queue
         * accepted it (a rejected one is also counted in {@code rejected}).
         */
        FIRED,
        /** Cancelled before it was due (counted in {@code cancelled}). */
        CANCELLED,
        /**
         * Left in the bus's {@code ScheduledEventStore} (counted in {@code stored}): still pending
         * when the bus closed (a bus started on that store schedules it again), or held by the claim
         * of another bus instance sharing the store when it fell due (if that claim lapses without
         * being completed, this bus fires it after all and it becomes {@link #FIRED}).
         */
        STORED
    }

    /**
     * Returns the entry's stable id: the same in the store and after a restart.
     *
     * @return the id (kind {@code SCHEDULED})
     */
    MessageId id();

    /**
     * Returns the event.
     *
     * @return the scheduled event
     */
    Event event();

    /**
     * Returns when the event is due, on the bus's clock.
     *
     * @return the due time
     */
    Instant dueAt();

    /**
     * Returns the session the event will be published in.
     *
     * @return the session id, or null for the bus scope
     */
    @Nullable String sessionId();

    /**
     * Returns the state now.
     *
     * @return the state
     */
    State state();

    /**
     * Returns how the publish went once the event was due: accepted, filtered or rejected (a due
     * event never waits for room, so under BLOCK a full queue rejects it).
     *
     * @return the outcome, or empty while it is not published
     */
    Optional<PublishOutcome> outcome();

    /**
     * Cancels the event if it is still pending.
     *
     * @return true if this call cancelled it (and removed it from the store), false if it had
     *     already fired, been cancelled, or the bus closed
     */
    boolean cancel();
}
