package org.llmgine.bus.internal;

import java.time.Instant;
import org.jspecify.annotations.Nullable;
import org.llmgine.bus.PublishOutcome;
import org.llmgine.bus.handler.EventContext;
import org.llmgine.bus.message.Command;
import org.llmgine.bus.message.CommandResult;
import org.llmgine.bus.message.Event;
import org.llmgine.bus.message.Headers;

/**
 * One published event and its envelope, from acceptance to completion; it is also the
 * {@link EventContext} every handler of the event receives (one object per event, no copy per
 * handler).
 *
 * <p>Concurrency: {@code id} and {@code queueSizeAtAccept} are written under the queue's lock
 * before the delivery is visible to the dispatcher; the dispatcher and the lane hand it over under
 * their locks, so every later reader sees them. The other fields are final.
 */
final class Delivery implements EventContext {

    final DefaultMessageBus bus;
    final Event event;
    final Lane lane;
    final Headers headers;
    final int priority;
    final Instant timestamp;
    final long acceptedAtNanos;
    final @Nullable Waiter waiter;
    long id;
    int queueSizeAtAccept;
    /** Handlers that ran; written and read by the lane's drainer only. */
    int invoked;

    Delivery(DefaultMessageBus bus, Event event, Lane lane, Headers headers, int priority, Instant timestamp,
            long acceptedAtNanos, @Nullable Waiter waiter) {
        this.bus = bus;
        this.event = event;
        this.lane = lane;
        this.headers = headers;
        this.priority = priority;
        this.timestamp = timestamp;
        this.acceptedAtNanos = acceptedAtNanos;
        this.waiter = waiter;
    }

    @Override
    public long messageId() {
        return id;
    }

    @Override
    public @Nullable String sessionId() {
        return lane.sessionId;
    }

    @Override
    public Instant timestamp() {
        return timestamp;
    }

    @Override
    public Headers headers() {
        return headers;
    }

    @Override
    public int attempt() {
        return 1;
    }

    @Override
    public int priority() {
        return priority;
    }

    @Override
    public PublishOutcome publish(Event next) {
        return bus.publishFromWork(lane, next, headers);
    }

    @Override
    public <R> CommandResult<R> execute(Command<R> command) {
        return bus.executeFromWork(lane, command, headers);
    }

    @Override
    public String toString() {
        return "event " + event.getClass().getSimpleName() + " (id=" + id + ", session=" + lane.sessionId + ")";
    }
}
