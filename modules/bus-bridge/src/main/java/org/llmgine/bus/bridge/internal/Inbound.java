package org.llmgine.bus.bridge.internal;

import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;
import org.llmgine.bus.DeliveryOutcome;
import org.llmgine.bus.MessageBus;
import org.llmgine.bus.MessageScope;
import org.llmgine.bus.PublishOptions;
import org.llmgine.bus.PublishOutcome;
import org.llmgine.bus.RejectionReason;
import org.llmgine.bus.bridge.BridgeHeaders;
import org.llmgine.bus.bridge.PoisonRecord;
import org.llmgine.bus.bridge.spi.DedupStore;
import org.llmgine.bus.bridge.spi.InboundDelivery;
import org.llmgine.bus.bridge.spi.Subscription;
import org.llmgine.bus.bridge.spi.Transport;
import org.llmgine.bus.bridge.spi.TransportRecord;
import org.llmgine.bus.codec.Decoded;
import org.llmgine.bus.codec.MessageCodec;
import org.llmgine.bus.handler.Registration;
import org.llmgine.bus.message.BackpressureChanged;
import org.llmgine.bus.message.Event;
import org.llmgine.bus.message.Headers;
import org.llmgine.bus.message.Message;

/**
 * The inbound side of a bridge: the transport's sink only queues a record and returns (so a
 * transport's poll loop never waits for the bus); one dispatcher thread takes the queue in order,
 * skips echoes and redeliveries, decodes, and publishes each event into its session (opened if
 * none is) with {@code publishAsync}, so a session's records reach its handlers in order while the
 * dispatcher goes on. A record is done once its handlers ran; one the bus did not handle (closing)
 * is left not done and forgotten by the dedup window, so it is delivered again.
 *
 * <p>Backpressure: the subscription is paused while the bus is above its high water mark
 * ({@code BackpressureChanged}) or the queue holds {@code pauseAt} records, and resumed when both
 * are back (the queue at half). A publish the bus refuses for room is tried again, in order, after
 * a short wait.
 */
public final class Inbound {

    private static final System.Logger LOG = System.getLogger("org.llmgine.bus.bridge");
    /** How long the dispatcher waits before it tries a publish refused for room again. */
    private static final Duration ROOM_WAIT = Duration.ofMillis(5);

    private final MessageBus bus;
    private final Transport transport;
    private final MessageCodec codec;
    private final Set<String> topics;
    private final String group;
    private final boolean skipOwn;
    private final DedupWindow dedup;
    private final int pauseAt;
    private final Counters counters;
    private final Consumer<PoisonRecord> poisonSink;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition arrived = lock.newCondition();
    private final ArrayDeque<InboundDelivery> queue = new ArrayDeque<>();
    private long inFlight;
    private boolean busPressure;
    private boolean stopped;
    private @Nullable Subscription subscription;
    private @Nullable Registration pressure;
    private @Nullable Thread dispatcher;
    private final @Nullable RemoteCommands remote;
    private final @Nullable DedupStore durable;

    /**
     * Creates the inbound side.
     *
     * @param bus the local bus
     * @param transport the transport
     * @param codec the codec
     * @param topics the topics to consume
     * @param group the consumer group
     * @param skipOwn whether records this instance sent are skipped (broadcast: every instance gets them)
     * @param dedupWindow how many message ids the dedup window keeps
     * @param pauseAt how many queued records pause the subscription
     * @param counters the bridge's counters
     * @param poisonSink told each record that does not decode
     * @param remote the commands side that takes requests, replies and cancels, or null for events only
     * @param durable the group's durable dedup, or null for the in-memory window only
     */
    public Inbound(MessageBus bus, Transport transport, MessageCodec codec, Set<String> topics, String group,
            boolean skipOwn, int dedupWindow, int pauseAt, Counters counters, Consumer<PoisonRecord> poisonSink,
            @Nullable RemoteCommands remote, @Nullable DedupStore durable) {
        this.remote = remote;
        this.durable = durable;
        this.bus = bus;
        this.transport = transport;
        this.codec = codec;
        this.topics = Set.copyOf(topics);
        this.group = group;
        this.skipOwn = skipOwn;
        this.dedup = new DedupWindow(dedupWindow);
        this.pauseAt = pauseAt;
        this.counters = counters;
        this.poisonSink = poisonSink;
    }

    /** Subscribes and starts the dispatcher. */
    public void start() {
        pressure = bus.subscribe(BackpressureChanged.class, this::pressureChanged);
        dispatcher = Thread.ofVirtual().name("bridge-inbound-" + bus.name() + "-" + group).start(this::dispatch);
        subscription = transport.subscribe(topics, group, this::accept);
    }

    /** The transport's sink: queues the record, pausing the subscription once the queue is full. */
    private void accept(InboundDelivery delivery) {
        counters.received.increment();
        lock.lock();
        try {
            queue.addLast(delivery);
            inFlight++;
            arrived.signal();
            if (queue.size() >= pauseAt) {
                pauseLocked();
            }
        } finally {
            lock.unlock();
        }
    }

    private void pressureChanged(BackpressureChanged change) {
        lock.lock();
        try {
            busPressure = change.active();
            if (busPressure) {
                pauseLocked();
            } else {
                maybeResumeLocked();
            }
        } finally {
            lock.unlock();
        }
    }

    private void pauseLocked() {
        Subscription s = subscription;
        if (s != null && !s.isPaused()) {
            s.pause();
        }
    }

    private void maybeResumeLocked() {
        Subscription s = subscription;
        if (s != null && s.isPaused() && !busPressure && queue.size() <= pauseAt / 2) {
            s.resume();
        }
    }

    private void dispatch() {
        while (true) {
            InboundDelivery next;
            lock.lock();
            try {
                while (queue.isEmpty() && !stopped) {
                    arrived.awaitUninterruptibly();
                }
                if (stopped) {
                    return;
                }
                next = queue.pollFirst();
                maybeResumeLocked();
            } finally {
                lock.unlock();
            }
            if (!handle(next)) {
                return; // the bus is closed: what is left stays not done
            }
        }
    }

    /** Handles one record; false if the bus refused it as closed (the dispatcher stops). */
    private boolean handle(InboundDelivery delivery) {
        TransportRecord record = delivery.record();
        String kind = record.header(BridgeHeaders.KIND);
        RemoteCommands commands = remote;
        if (commands != null && "reply".equals(kind)) {
            commands.onReply(delivery);
            end(delivery);
            return true;
        }
        if (commands != null && "cancel".equals(kind)) {
            commands.onCancel(delivery);
            end(delivery);
            return true;
        }
        String origin = record.header(BridgeHeaders.ORIGIN);
        boolean event = kind == null || "event".equals(kind);
        if (skipOwn && event && bus.instanceId().toString().equals(origin)) {
            counters.echoes.increment();
            end(delivery);
            return true;
        }
        String id = record.header(BridgeHeaders.MESSAGE_ID);
        String typeId = record.header(BridgeHeaders.TYPE);
        if (id == null || typeId == null) {
            poison(delivery, "header " + (id == null ? BridgeHeaders.MESSAGE_ID : BridgeHeaders.TYPE) + " is missing");
            return true;
        }
        if (!dedup.firstTime(id) || durablySeen(id)) {
            counters.duplicates.increment();
            LOG.log(Level.DEBUG, () -> "bridge of bus '" + bus.name() + "': " + id + " at " + delivery.position()
                    + " was seen already; skipped");
            end(delivery);
            return true;
        }
        if (!event) {
            if (commands != null && "request".equals(kind)) {
                commands.onRequest(delivery, () -> {
                    recordProcessed(id);
                    end(delivery);
                });
            } else {
                dedup.forget(id);
                poison(delivery, "a record of kind '" + kind + "' on a consumer that " + (commands == null
                        ? "serves no commands" : "takes events, requests, replies and cancels only"));
            }
            return true;
        }
        Decoded<Message> message = codec.decode(typeId, record.value());
        if (!(message instanceof Decoded.Ok<Message> ok) || !(ok.value() instanceof Event decoded)) {
            dedup.forget(id);
            poison(delivery, message instanceof Decoded.Ok<Message> ? "type id '" + typeId + "' is a command, not an event"
                    : describe(message));
            return true;
        }
        String headerText = record.header(BridgeHeaders.HEADERS);
        Decoded<Headers> headers = headerText == null ? new Decoded.Ok<>(Headers.empty()) : codec.decodeHeaders(headerText);
        if (!(headers instanceof Decoded.Ok<Headers> readHeaders)) {
            dedup.forget(id);
            poison(delivery, "the bus headers do not read: " + describe(headers));
            return true;
        }
        Headers imported = readHeaders.value().with(BridgeHeaders.IMPORTED_FROM, origin == null ? "unknown" : origin)
                .with(BridgeHeaders.SOURCE_ID, id);
        String sessionId = record.header(BridgeHeaders.SESSION);
        return publish(delivery, id, decoded, sessionId, PublishOptions.ofHeaders(imported));
    }

    private boolean publish(InboundDelivery delivery, String id, Event event, @Nullable String sessionId,
            PublishOptions options) {
        while (true) {
            MessageScope scope;
            try {
                scope = sessionId == null ? bus : bus.getOrOpenSession(sessionId);
            } catch (RuntimeException e) {
                return refusedAsClosed(delivery, id, "the session could not be opened: " + e);
            }
            CompletableFuture<DeliveryOutcome> future = scope.publishAsync(event, options);
            DeliveryOutcome now = future.getNow(null);
            if (now instanceof DeliveryOutcome.NotAccepted refused) {
                if (refused.outcome() instanceof PublishOutcome.Rejected rejected && isTransient(rejected.reason())) {
                    sleep(ROOM_WAIT);
                    continue; // the same record again (a session closed meanwhile is opened again): order holds
                }
                if (refused.outcome() instanceof PublishOutcome.Rejected rejected
                        && (rejected.reason() == RejectionReason.BUS_CLOSED
                                || rejected.reason() == RejectionReason.BUS_NOT_STARTED)) {
                    return refusedAsClosed(delivery, id, rejected.detail());
                }
                // filtered, or refused for a reason that will not change: the record's end
                counters.republished.increment();
                end(delivery);
                return true;
            }
            future.whenComplete((outcome, error) -> ended(delivery, id, outcome));
            return true;
        }
    }

    /** A refusal that passes: no room yet, or the session closed between its lookup and the publish. */
    private static boolean isTransient(RejectionReason reason) {
        return reason == RejectionReason.QUEUE_FULL || reason == RejectionReason.TIMED_OUT
                || reason == RejectionReason.SESSION_CLOSED;
    }

    /** The end of a republished event: done, unless the bus handed it back or cut it at close. */
    private void ended(InboundDelivery delivery, String id, @Nullable DeliveryOutcome outcome) {
        if (outcome instanceof DeliveryOutcome.Returned || outcome instanceof DeliveryOutcome.Cancelled) {
            dedup.forget(id);
            counters.returned.increment();
            leave();
            return;
        }
        // delivered (handler failures are the bus's: its error policy and resilience pipeline), or
        // dropped by DROP_OLDEST (counted by the bus), or failed under PROPAGATE
        counters.republished.increment();
        recordProcessed(id);
        end(delivery);
    }

    /** Whether the durable store, if any, says the group processed the message; a store failure says no. */
    private boolean durablySeen(String id) {
        DedupStore store = durable;
        if (store == null) {
            return false;
        }
        try {
            return store.seen(group, id);
        } catch (Exception e) {
            counters.storeFailures.increment();
            LOG.log(Level.ERROR, "bridge of bus '" + bus.name() + "': dedup store " + store + " could not be read for "
                    + id + "; the record is handled (at least once)", e);
            return false;
        }
    }

    private void recordProcessed(String id) {
        DedupStore store = durable;
        if (store == null) {
            return;
        }
        try {
            store.processed(group, id);
        } catch (Exception e) {
            counters.storeFailures.increment();
            LOG.log(Level.ERROR, "bridge of bus '" + bus.name() + "': dedup store " + store + " could not record " + id
                    + "; a redelivery to another instance would be handled again", e);
        }
    }

    private boolean refusedAsClosed(InboundDelivery delivery, String id, String why) {
        dedup.forget(id);
        counters.returned.increment();
        leave();
        LOG.log(Level.DEBUG, () -> "bridge of bus '" + bus.name() + "': " + delivery.position() + " not handled: " + why);
        return false;
    }

    private void poison(InboundDelivery delivery, String reason) {
        counters.poison.increment();
        var poison = new PoisonRecord(delivery.position(), reason, delivery.record());
        LOG.log(Level.ERROR, "bridge of bus '" + bus.name() + "': record at " + delivery.position() + " from "
                + transport.describe() + " cannot be read and is skipped: " + reason);
        try {
            poisonSink.accept(poison);
        } catch (RuntimeException e) {
            LOG.log(Level.ERROR, "the poison sink of the bridge of bus '" + bus.name() + "' threw", e);
        }
        end(delivery);
    }

    private static String describe(Decoded<?> decoded) {
        return switch (decoded) {
            case Decoded.Ok<?> ok -> "read";
            case Decoded.UnknownType<?> unknown -> "type id '" + unknown.typeId() + "' has no class in the codec";
            case Decoded.Unreadable<?> unreadable -> "the payload does not read: " + unreadable.reason();
        };
    }

    private void end(InboundDelivery delivery) {
        delivery.done();
        leave();
    }

    private void leave() {
        lock.lock();
        try {
            inFlight--;
        } finally {
            lock.unlock();
        }
    }

    private static void sleep(Duration d) {
        try {
            Thread.sleep(d);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Returns the records received and not yet ended.
     *
     * @return the count
     */
    public long inFlight() {
        lock.lock();
        try {
            return inFlight;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Tells whether the subscription is paused.
     *
     * @return true while paused
     */
    public boolean paused() {
        Subscription s = subscription;
        return s != null && s.isPaused();
    }

    /**
     * Stops consuming: closes the subscription (records not done are delivered again to whoever
     * consumes next), then stops the dispatcher; records still queued are left not done.
     */
    public void close() {
        Subscription s = subscription;
        if (s != null) {
            s.close();
        }
        Registration r = pressure;
        if (r != null) {
            r.close();
        }
        List<InboundDelivery> left;
        lock.lock();
        try {
            stopped = true;
            left = List.copyOf(queue);
            queue.clear();
            inFlight -= left.size();
            arrived.signalAll();
        } finally {
            lock.unlock();
        }
        counters.returned.add(left.size());
        for (InboundDelivery d : left) {
            String id = d.record().header(BridgeHeaders.MESSAGE_ID);
            if (id != null) {
                dedup.forget(id);
            }
        }
        Thread t = dispatcher;
        if (t != null && t != Thread.currentThread()) {
            try {
                t.join(5_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
