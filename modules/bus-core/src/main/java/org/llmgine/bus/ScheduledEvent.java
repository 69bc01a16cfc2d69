package org.llmgine.bus;

import java.time.Instant;
import java.util.Optional;
import org.jspecify.annotations.Nullable;
import org.llmgine.bus.message.Event;

/**
 * A handle on an event scheduled with {@link MessageScope#schedule(Event, Instant)}: when it is
 * due, what became of it, and a way to cancel it.
 */
public interface ScheduledEvent {

    /** What became of a scheduled event. */
    enum State {
        /** Waiting for its due time. */
        PENDING,
        /** Due and published: {@link #outcome()} says whether the queue accepted it. */
        PUBLISHED,
        /** Cancelled before it was due. */
        CANCELLED,
        /** Still pending when the bus closed: handed to the bus's {@code ScheduledEventStore}. */
        SAVED
    }

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
     * @return true if this call cancelled it, false if it was already published, cancelled or saved
     */
    boolean cancel();
}
