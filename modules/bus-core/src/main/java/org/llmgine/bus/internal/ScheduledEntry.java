package org.llmgine.bus.internal;

import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;
import org.llmgine.bus.PublishOutcome;
import org.llmgine.bus.ScheduledEvent;
import org.llmgine.bus.message.Event;
import org.llmgine.bus.message.Headers;
import org.llmgine.bus.spi.StoredScheduledEvent;

/**
 * A scheduled event: a timer task and the handle its scheduler holds. Its state moves from
 * PENDING to exactly one of FIRING (then PUBLISHED), CANCELLED or SAVED by compare-and-set, so a
 * cancel racing with the due time either wins (the event is never published) or loses (it returns
 * false).
 */
final class ScheduledEntry extends Timer.Task implements ScheduledEvent {

    private static final int PENDING = 0;
    private static final int FIRING = 1;
    private static final int PUBLISHED = 2;
    private static final int CANCELLED = 3;
    private static final int SAVED = 4;

    private final Schedules owner;
    private final Event event;
    final Lane lane;
    private final Headers headers;
    private final int priority;
    private final AtomicInteger state = new AtomicInteger(PENDING);
    private volatile @Nullable PublishOutcome outcome;

    ScheduledEntry(Schedules owner, Event event, Lane lane, Instant due, Headers headers, int priority) {
        super(due);
        this.owner = owner;
        this.event = event;
        this.lane = lane;
        this.headers = headers;
        this.priority = priority;
    }

    @Override
    void run() {
        if (state.compareAndSet(PENDING, FIRING)) {
            PublishOutcome result = owner.publishDue(this);
            outcome = result;
            state.set(PUBLISHED);
        }
    }

    @Override
    public Event event() {
        return event;
    }

    Headers headers() {
        return headers;
    }

    int priority() {
        return priority;
    }

    @Override
    public Instant dueAt() {
        return due;
    }

    @Override
    public @Nullable String sessionId() {
        return lane.sessionId;
    }

    @Override
    public State state() {
        return switch (state.get()) {
            case PENDING, FIRING -> State.PENDING;
            case PUBLISHED -> State.PUBLISHED;
            case CANCELLED -> State.CANCELLED;
            default -> State.SAVED;
        };
    }

    @Override
    public Optional<PublishOutcome> outcome() {
        return Optional.ofNullable(outcome);
    }

    @Override
    public boolean cancel() {
        if (state.compareAndSet(PENDING, CANCELLED)) {
            owner.cancelled(this);
            return true;
        }
        return false;
    }

    /** Marks a pending entry as saved at close; returns its stored form, or null if it was not pending. */
    @Nullable StoredScheduledEvent save() {
        return state.compareAndSet(PENDING, SAVED)
                ? new StoredScheduledEvent(event, lane.sessionId, due, headers, priority) : null;
    }

    @Override
    public String toString() {
        return "scheduled " + event.getClass().getSimpleName() + " due " + due + " (" + state() + ")";
    }
}
