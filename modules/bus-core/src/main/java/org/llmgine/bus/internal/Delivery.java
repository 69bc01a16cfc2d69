package org.llmgine.bus.internal;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.jspecify.annotations.Nullable;
import org.llmgine.bus.CommandHandle;
import org.llmgine.bus.ExecuteOptions;
import org.llmgine.bus.PublishOptions;
import org.llmgine.bus.PublishOutcome;
import org.llmgine.bus.ScheduledEvent;
import org.llmgine.bus.handler.EventContext;
import org.llmgine.bus.message.Command;
import org.llmgine.bus.message.CommandResult;
import org.llmgine.bus.message.Event;
import org.llmgine.bus.message.Headers;
import org.llmgine.bus.message.Message;
import org.llmgine.bus.message.MessageId;
import org.llmgine.bus.spi.MessageView;

/**
 * One published event and its envelope, from acceptance to completion; it is also the
 * {@link EventContext} every handler of the event receives and the {@link MessageView} observers
 * see (one object per event, no copy per handler or callback). As a {@link Mailbox.Node} it links to the next delivery of its mailbox level, and as a
 * {@link FanOutCount} it keeps what a fan-out run counts of it. Under
 * DROP_OLDEST every user event is an {@link EvictableDelivery}, which adds what eviction needs;
 * the plain envelope stays small (56 bytes): the headers, a {@code publishAndWait} caller's waiter
 * and an injected clock's instant share one field, which holds the headers alone unless the
 * delivery carries one of the other two (then an {@link Extras}).
 *
 * <p>Concurrency: {@code id} is written under the lane's lock before
 * the delivery is in the mailbox, and a worker takes it from there after the lane's publishers
 * linked it (a release store), so every handler sees them.
 */
sealed class Delivery extends FanOutCount implements EventContext, MessageView permits EvictableDelivery {

    final Event event;
    final Lane lane;
    /** The event's priority (0-100). */
    final int priority;
    /** Whether this is a lifecycle event of the bus itself: never evicted, may use the reserve. */
    final boolean lifecycle;
    /**
     * The event's {@link Headers}, or an {@link Extras} when it also has a waiter or an instant;
     * written only before the delivery is in a mailbox.
     */
    private Object meta;
    /** The ticker reading at acceptance: the timestamp's source on the system clock, and the start of the dispatch lag. */
    long nanos;
    long id;

    Delivery(Event event, Lane lane, Headers headers, int priority, boolean lifecycle, @Nullable Waiter waiter) {
        this.event = event;
        this.lane = lane;
        this.priority = priority;
        this.lifecycle = lifecycle;
        this.meta = waiter == null ? headers : new Extras(headers, waiter, null, -1L);
    }

    /**
     * What the few deliveries that carry more than headers keep: a waiter, an injected clock's
     * instant, and (only when observers watch) the ticker reading at dispatch, or -1.
     */
    private record Extras(Headers headers, @Nullable Waiter waiter, @Nullable Instant instant, long dispatched) {
    }

    /** The {@code publishAndWait} caller waiting for this event, if any. */
    @Nullable Waiter waiter() {
        return meta instanceof Extras extras ? extras.waiter : null;
    }

    /** Records the acceptance time read from an injected clock (before the delivery is in a mailbox). */
    void stampInstant(Instant instant) {
        meta = new Extras(headers(), waiter(), instant, -1L);
    }

    /**
     * Records the dispatch time for observers (written by the worker before any handler thread of
     * the event starts, so the threads that settle it see it).
     */
    void markDispatched(long nanos) {
        Instant instant = meta instanceof Extras extras ? extras.instant : null;
        meta = new Extras(headers(), waiter(), instant, nanos);
    }

    /** The ticker reading at dispatch, or {@code otherwise} if it was not recorded. */
    long dispatchedNanos(long otherwise) {
        return meta instanceof Extras extras && extras.dispatched >= 0 ? extras.dispatched : otherwise;
    }

    /** Claims the delivery for its handlers; false if it was evicted first (only an {@link EvictableDelivery} can be). */
    boolean start() {
        return true;
    }

    /** The mailbox level of the event's priority. */
    int level() {
        return Priorities.levelOf(priority);
    }

    @Override
    public MessageId messageId() {
        return new MessageId(lane.bus.instanceId(), MessageId.Kind.EVENT, id);
    }

    @Override
    public MessageId id() {
        return messageId();
    }

    @Override
    public Message message() {
        return event;
    }

    @Override
    public Class<? extends Message> type() {
        return event.getClass();
    }

    @Override
    public Instant acceptedAt() {
        return timestamp();
    }

    @Override
    public String busName() {
        return lane.bus.name();
    }

    @Override
    public @Nullable String sessionId() {
        return lane.sessionId;
    }

    @Override
    public Instant timestamp() {
        if (meta instanceof Extras extras && extras.instant != null) {
            return extras.instant;
        }
        return lane.bus.timestamps().instantAt(nanos);
    }

    @Override
    public Headers headers() {
        return meta instanceof Extras extras ? extras.headers : (Headers) meta;
    }

    @Override
    public int attempt() {
        return 1;
    }

    @Override
    public EventContext withAttempt(int attempt) {
        return new AttemptContexts.OfEvent(this, attempt);
    }

    @Override
    public int priority() {
        return priority;
    }

    @Override
    public boolean isCancelled() {
        return lane.bus.isCancelling();
    }

    @Override
    public Optional<Instant> deadline() {
        return Optional.empty();
    }

    @Override
    public void sleep(Duration duration) throws InterruptedException {
        ContextWork.sleep(lane.bus, duration);
    }

    @Override
    public PublishOutcome publish(Event next, PublishOptions options) {
        return ContextWork.publish(lane, lane.binding(), headers(), next, options);
    }

    @Override
    public ScheduledEvent schedule(Event next, Duration delay, PublishOptions options) {
        return ContextWork.schedule(lane, headers(), next, delay, options);
    }

    @Override
    public <R> CommandResult<R> execute(Command<R> command, ExecuteOptions options) {
        return ContextWork.execute(lane, lane.binding(), headers(), command, options);
    }

    @Override
    public <R> CommandHandle<R> executeAsync(Command<R> command, ExecuteOptions options) {
        return ContextWork.executeAsync(lane, lane.binding(), headers(), command, options);
    }

    @Override
    public String toString() {
        return "event " + event.getClass().getSimpleName() + " (id=" + messageId() + ", session=" + lane.sessionId + ")";
    }
}
