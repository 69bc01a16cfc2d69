package org.llmgine.bus.bridge.internal;

import java.lang.System.Logger.Level;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Semaphore;
import org.jspecify.annotations.Nullable;
import org.llmgine.bus.MessageBus;
import org.llmgine.bus.bridge.BridgeHeaders;
import org.llmgine.bus.bridge.Route;
import org.llmgine.bus.bridge.spi.OutboundMessage;
import org.llmgine.bus.bridge.spi.OutboundStore;
import org.llmgine.bus.bridge.spi.Transport;
import org.llmgine.bus.bridge.spi.TransportRecord;
import org.llmgine.bus.codec.Encoded;
import org.llmgine.bus.codec.MessageCodec;
import org.llmgine.bus.handler.EventContext;
import org.llmgine.bus.handler.Registration;
import org.llmgine.bus.message.Event;
import org.llmgine.bus.message.MessageId;

/**
 * The outbound side of a bridge: a bus-scope handler per route type that hands each selected event
 * to the outbound store (so an event is accepted for sending once its handlers run, in its
 * session's order), and one sender thread that claims batches from the store and sends them without
 * waiting for each acknowledgement (a bounded window of sends in flight), completing what the
 * transport acknowledged in batches; a failed send is retried after a backoff that doubles per
 * attempt, until the store abandons it.
 */
public final class Outbound {

    private static final System.Logger LOG = System.getLogger("org.llmgine.bus.bridge");
    /** Messages one claim takes at most. */
    static final int BATCH = 200;
    /** Messages sent and not yet acknowledged, at most. */
    static final int MAX_IN_FLIGHT = 5_000;
    /** How long the sender waits for an empty store before it looks again (and checks for close). */
    private static final Duration IDLE_WAIT = Duration.ofMillis(50);
    /** The first retry's delay; doubled per attempt, capped at {@link #MAX_BACKOFF}. */
    private static final Duration FIRST_BACKOFF = Duration.ofMillis(100);
    private static final Duration MAX_BACKOFF = Duration.ofSeconds(30);

    private final MessageBus bus;
    private final Transport transport;
    private final MessageCodec codec;
    private final OutboundStore store;
    private final List<Route> routes;
    private final InstantSource clock;
    private final Duration lease;
    private final Counters counters;
    private final List<Registration> registrations = new ArrayList<>();
    private final Semaphore window = new Semaphore(MAX_IN_FLIGHT);
    private final ConcurrentLinkedQueue<MessageId> acknowledged = new ConcurrentLinkedQueue<>();
    private final ConcurrentLinkedQueue<Refused> refused = new ConcurrentLinkedQueue<>();
    private volatile boolean running;
    private @Nullable Thread sender;

    /**
     * Creates the outbound side.
     *
     * @param bus the bus
     * @param transport the transport
     * @param codec the codec
     * @param store where accepted events wait
     * @param routes the routes, first match wins
     * @param clock the clock of leases and retries
     * @param lease how long a claimed batch is this sender's
     * @param counters the bridge's counters
     */
    public Outbound(MessageBus bus, Transport transport, MessageCodec codec, OutboundStore store, List<Route> routes,
            InstantSource clock, Duration lease, Counters counters) {
        this.bus = bus;
        this.transport = transport;
        this.codec = codec;
        this.store = store;
        this.routes = List.copyOf(routes);
        this.clock = clock;
        this.lease = lease;
        this.counters = counters;
    }

    /** Registers the capturing handlers and starts the sender. */
    public void start() {
        Set<Class<? extends Event>> types = new LinkedHashSet<>();
        routes.forEach(r -> types.add(r.type()));
        for (Class<? extends Event> type : types) {
            registrations.add(bus.registerEventHandler(type, (event, ctx) -> capture(type, event, ctx)));
        }
        running = true;
        sender = Thread.ofVirtual().name("bridge-sender-" + bus.name()).start(this::sendLoop);
    }

    /**
     * Hands an event to the store, if the first route that sends it listens to {@code registeredFor}
     * (an event several routes' types match is captured once).
     */
    private void capture(Class<? extends Event> registeredFor, Event event, EventContext ctx) {
        if (ctx.headers().get(BridgeHeaders.IMPORTED_FROM).isPresent()) {
            return; // came in through a bridge: never sent out again
        }
        for (Route route : routes) {
            String topic = route.topicOf(event);
            if (topic == null) {
                continue;
            }
            if (route.type() != registeredFor) {
                return; // the handler of that route's type captures it
            }
            var message = new OutboundMessage(ctx.messageId(), event, ctx.sessionId(), ctx.headers(), topic,
                    route.keyOf(event, ctx.sessionId()), 0);
            try {
                if (store.add(message)) {
                    counters.accepted.increment();
                } else {
                    counters.overflowed.increment();
                    LOG.log(Level.WARNING, () -> "bridge of bus '" + bus.name() + "': outbound buffer " + store
                            + " is full; event " + ctx.messageId() + " (" + event.getClass().getName() + ") for topic '"
                            + topic + "' is not sent (counted in stats().overflowed())");
                }
            } catch (Exception e) {
                counters.storeFailures.increment();
                LOG.log(Level.ERROR, "bridge of bus '" + bus.name() + "': outbound store " + store + " refused event "
                        + ctx.messageId() + " for topic '" + topic + "'; it is not sent", e);
            }
            return;
        }
    }

    /** A send the transport refused, for the sender thread to report. */
    private record Refused(OutboundMessage message, String error) {
    }

    /**
     * The sender: claims what the store holds and sends it without waiting for the
     * acknowledgements (the transport keeps each key's records in order; at most
     * {@value #MAX_IN_FLIGHT} unacknowledged at once); acknowledgements are completed in the store
     * and refusals reported, in batches, by this thread.
     */
    private void sendLoop() {
        UUID owner = bus.instanceId();
        while (running) {
            settle(owner);
            int room = window.availablePermits();
            if (room == 0) {
                pause(Duration.ofMillis(1));
                continue;
            }
            List<OutboundMessage> batch;
            try {
                Instant now = clock.instant();
                batch = store.claim(owner, now, now.plus(lease), Math.min(BATCH, room), IDLE_WAIT);
            } catch (InterruptedException e) {
                break;
            } catch (Exception e) {
                counters.storeFailures.increment();
                LOG.log(Level.ERROR, "bridge of bus '" + bus.name() + "': claiming from outbound store " + store
                        + " failed; trying again", e);
                pause(FIRST_BACKOFF);
                continue;
            }
            for (OutboundMessage message : batch) {
                window.acquireUninterruptibly();
                CompletableFuture<Void> sent;
                try {
                    sent = transport.send(record(message));
                } catch (RuntimeException e) {
                    sent = CompletableFuture.failedFuture(e);
                }
                sent.whenComplete((v, error) -> {
                    if (error == null) {
                        acknowledged.add(message.id());
                    } else {
                        refused.add(new Refused(message, String.valueOf(error)));
                    }
                    window.release();
                });
            }
        }
        settle(owner);
    }

    /** Completes the acknowledged messages in the store and reports the refused ones; on the sender thread. */
    private void settle(UUID owner) {
        List<MessageId> done = new ArrayList<>();
        MessageId id;
        while ((id = acknowledged.poll()) != null) {
            done.add(id);
        }
        if (!done.isEmpty()) {
            counters.sent.add(done.size());
            try {
                store.completed(done);
            } catch (Exception e) {
                counters.storeFailures.increment();
                LOG.log(Level.ERROR, "bridge of bus '" + bus.name() + "': " + done.size() + " sent events could"
                        + " not be marked completed in " + store + "; they will be sent again after their lease", e);
            }
        }
        Refused r;
        while ((r = refused.poll()) != null) {
            failed(owner, r.message(), r.error());
        }
    }

    private void failed(UUID owner, OutboundMessage message, String error) {
        counters.sendFailures.increment();
        Duration backoff = FIRST_BACKOFF.multipliedBy(1L << Math.min(message.attempts(), 16));
        if (backoff.compareTo(MAX_BACKOFF) > 0) {
            backoff = MAX_BACKOFF;
        }
        Duration delay = backoff;
        LOG.log(Level.WARNING, () -> "bridge of bus '" + bus.name() + "': sending " + message.id() + " to topic '"
                + message.topic() + "' over " + transport.describe() + " failed (attempt " + (message.attempts() + 1)
                + "): " + error + "; retrying in " + delay);
        try {
            if (store.failed(message, owner, error, clock.instant().plus(delay))) {
                counters.abandoned.increment();
                LOG.log(Level.ERROR, "bridge of bus '" + bus.name() + "': event " + message.id() + " for topic '"
                        + message.topic() + "' is abandoned after " + (message.attempts() + 1) + " failed sends; last: "
                        + error);
            }
        } catch (Exception e) {
            counters.storeFailures.increment();
            LOG.log(Level.ERROR, "bridge of bus '" + bus.name() + "': recording the failed send of " + message.id()
                    + " in " + store + " failed", e);
        }
    }

    /** The record of a message: the codec's payload and the bridge's headers. */
    TransportRecord record(OutboundMessage message) {
        Encoded encoded = codec.encode(message.event());
        Map<String, String> headers = new HashMap<>();
        headers.put(BridgeHeaders.MESSAGE_ID, message.id().toString());
        headers.put(BridgeHeaders.TYPE, encoded.typeId());
        headers.put(BridgeHeaders.ORIGIN, bus.instanceId().toString());
        headers.put(BridgeHeaders.KIND, "event");
        headers.put(BridgeHeaders.HEADERS, codec.encodeHeaders(message.headers()));
        if (message.sessionId() != null) {
            headers.put(BridgeHeaders.SESSION, message.sessionId());
        }
        return new TransportRecord(message.topic(), message.key(), headers, encoded.payload());
    }

    private static void pause(Duration d) {
        try {
            Thread.sleep(d);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Stops capturing, then lets the sender drain what the store holds for up to {@code grace}.
     *
     * @param grace how long to wait for the buffer to empty
     * @return true if it emptied (always false for a durable store: its rows stay for the next sender)
     */
    public boolean close(Duration grace) {
        registrations.forEach(Registration::close);
        boolean drained = false;
        if (store instanceof MemoryOutboundStore memory) {
            try {
                drained = memory.awaitEmpty(grace);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        long deadline = System.nanoTime() + grace.toNanos();
        while (window.availablePermits() < MAX_IN_FLIGHT && System.nanoTime() < deadline) {
            pause(Duration.ofMillis(1)); // sends in flight: let their acknowledgements come
        }
        running = false;
        Thread t = sender;
        if (t != null) {
            t.interrupt();
            try {
                t.join(grace.toMillis() + 1000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        return drained;
    }
}
