package org.llmgine.bus.internal;

import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;
import org.llmgine.bus.PublishOutcome;
import org.llmgine.bus.ScheduledEvent;
import org.llmgine.bus.message.Event;
import org.llmgine.bus.message.Headers;
import org.llmgine.bus.message.MessageId;
import org.llmgine.bus.spi.StoredScheduledEvent;

/**
 * A scheduled event: a timer task and the handle its scheduler holds. It names its session by id,
 * not by lane, so when it fires it goes to the session open under that id then. Its state moves
 * from PENDING to exactly one of FIRING (then FIRED), CANCELLED or STORED by compare-and-set, so a
 * cancel racing with the due time either wins (the event is never published) or loses (it returns
 * false). A firing whose claim another instance holds ends in LEFT (shown as STORED): the entry is
 * that instance's, but if its claim lapses without the entry being done (it died mid-fire), a later
 * look ({@link #retry}, through RETRYING) fires it after all.
 */
final class ScheduledEntry extends Timer.Task implements ScheduledEvent {

    private static final int PENDING = 0;
    private static final int FIRING = 1;
    private static final int FIRED = 2;
    private static final int CANCELLED = 3;
    private static final int STORED = 4;
    /** Left to another instance's claim (shown as STORED); {@link #retry} may still fire it. */
    private static final int LEFT = 5;
    /** Being looked at again after LEFT (shown as STORED until it fires). */
    private static final int RETRYING = 6;

    private final Schedules owner;
    private final StoredScheduledEvent stored;
    private final AtomicInteger state = new AtomicInteger(PENDING);
    private volatile @Nullable PublishOutcome outcome;

    ScheduledEntry(Schedules owner, StoredScheduledEvent stored) {
        super(stored.dueAt());
        this.owner = owner;
        this.stored = stored;
    }

    @Override
    void run() {
        if (state.compareAndSet(PENDING, FIRING)) {
            PublishOutcome result = owner.fire(this);
            outcome = result;
            state.set(result != null ? FIRED : LEFT);
        }
    }

    /** Looks again at an entry left to another instance (on the timer thread); fires it if it is now this bus's. */
    void retry() {
        if (state.compareAndSet(LEFT, RETRYING)) {
            PublishOutcome result = owner.retry(this);
            outcome = result;
            state.set(result != null ? FIRED : LEFT);
        }
    }

    StoredScheduledEvent stored() {
        return stored;
    }

    @Override
    public MessageId id() {
        return stored.id();
    }

    @Override
    public Event event() {
        return stored.event();
    }

    Headers headers() {
        return stored.headers();
    }

    int priority() {
        return stored.priority();
    }

    @Override
    public Instant dueAt() {
        return due;
    }

    @Override
    public @Nullable String sessionId() {
        return stored.sessionId();
    }

    @Override
    public State state() {
        return switch (state.get()) {
            case PENDING, FIRING -> State.PENDING;
            case FIRED -> State.FIRED;
            case CANCELLED -> State.CANCELLED;
            default -> State.STORED;
        };
    }

    boolean isPending() {
        return state.get() == PENDING;
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

    /** Marks a pending entry as left in the store at close; true if it was pending. */
    boolean markStored() {
        return state.compareAndSet(PENDING, STORED);
    }

    @Override
    public String toString() {
        return "scheduled " + stored.event().getClass().getSimpleName() + " (id=" + stored.id() + ", session="
                + stored.sessionId() + ") due " + due + " (" + state() + ")";
    }
}
