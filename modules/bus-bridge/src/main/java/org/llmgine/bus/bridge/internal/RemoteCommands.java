package org.llmgine.bus.bridge.internal;

import java.lang.System.Logger.Level;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import org.jspecify.annotations.Nullable;
import org.llmgine.bus.CommandHandle;
import org.llmgine.bus.ExecuteOptions;
import org.llmgine.bus.MessageBus;
import org.llmgine.bus.MessageScope;
import org.llmgine.bus.bridge.BridgeHeaders;
import org.llmgine.bus.bridge.BridgeStats;
import org.llmgine.bus.bridge.spi.InboundDelivery;
import org.llmgine.bus.bridge.spi.Transport;
import org.llmgine.bus.bridge.spi.TransportRecord;
import org.llmgine.bus.codec.CodecException;
import org.llmgine.bus.codec.Decoded;
import org.llmgine.bus.codec.Encoded;
import org.llmgine.bus.codec.MessageCodec;
import org.llmgine.bus.message.Command;
import org.llmgine.bus.message.CommandResult;
import org.llmgine.bus.message.FailureCause;
import org.llmgine.bus.message.Headers;
import org.llmgine.bus.message.Message;
import org.llmgine.bus.message.MessageId;

/**
 * Commands across JVMs, both sides. Caller: a request record on the command type's topic, keyed
 * by session (a session's commands reach one instance, in order), naming this instance's reply
 * topic and the caller's deadline; the future completes with the typed result or failure of the
 * reply, {@code TimedOut} at the deadline, and a cancelled future sends a cancel record. Server:
 * a request is executed in its session with the time left to its deadline ({@code executeAsync}),
 * its result or failure sent to the reply topic, and the request's record done once the reply was
 * acknowledged; a cancel record cancels the running command.
 */
public final class RemoteCommands {

    private static final System.Logger LOG = System.getLogger("org.llmgine.bus.bridge");

    /** A call waiting for its reply. */
    private record Call(CompletableFuture<CommandResult<?>> future, Class<?> type, String topic, @Nullable String key,
            Duration timeout) {
    }

    private final MessageBus bus;
    private final Transport transport;
    private final MessageCodec codec;
    private final Map<Class<?>, String> routes;
    private final String replyTopic;
    private final InstantSource clock;
    private final java.util.UUID origin;
    private final AtomicLong ids = new AtomicLong();
    private final Map<String, Call> calls = new ConcurrentHashMap<>();
    private final Map<String, CommandHandle<?>> running = new ConcurrentHashMap<>();
    private final LongAdder requested = new LongAdder();
    private final LongAdder replied = new LongAdder();
    private final LongAdder late = new LongAdder();
    private final LongAdder served = new LongAdder();

    /**
     * Creates both sides.
     *
     * @param bus the local bus
     * @param transport the transport
     * @param codec the codec (commands and their result types registered)
     * @param routes per command type, its request topic
     * @param replyTopic this instance's reply topic
     * @param clock the clock of deadlines
     */
    public RemoteCommands(MessageBus bus, Transport transport, MessageCodec codec, Map<Class<?>, String> routes,
            String replyTopic, InstantSource clock) {
        this.bus = bus;
        this.transport = transport;
        this.codec = codec;
        this.routes = Map.copyOf(routes);
        this.replyTopic = replyTopic;
        this.clock = clock;
        this.origin = MessageId.newOrigin(clock.millis());
    }

    /**
     * Returns the counters.
     *
     * @return requests sent, replies received, late replies, requests served
     */
    public BridgeStats.Commands counts() {
        return new BridgeStats.Commands(requested.sum(), replied.sum(), late.sum(), served.sum());
    }

    private @Nullable String topicOf(Class<?> type) {
        String topic = routes.get(type);
        if (topic != null) {
            return topic;
        }
        for (Map.Entry<Class<?>, String> route : routes.entrySet()) {
            if (route.getKey().isAssignableFrom(type)) {
                return route.getValue();
            }
        }
        return null;
    }

    /**
     * Executes a command on whichever instance serves its topic.
     *
     * @param command the command
     * @param sessionId the session it runs in there, or null for the bus scope
     * @param timeout how long the caller waits; the remote run gets what is left of it
     * @param <R> the result type
     * @return the result, failure, or {@code TimedOut}; cancelling it cancels the remote run
     */
    @SuppressWarnings({"unchecked", "rawtypes"})
    public <R> CompletableFuture<CommandResult<R>> execute(Command<R> command, @Nullable String sessionId,
            Duration timeout) {
        String topic = topicOf(command.getClass());
        if (topic == null) {
            return CompletableFuture.completedFuture(CommandResult.failure(new FailureCause.NoHandler(command.getClass(),
                    sessionId)));
        }
        String id = new MessageId(origin, MessageId.Kind.COMMAND, ids.incrementAndGet()).toString();
        Encoded encoded = codec.encode(command);
        Instant deadline = clock.instant().plus(timeout);
        Map<String, String> headers = new HashMap<>();
        headers.put(BridgeHeaders.MESSAGE_ID, id);
        headers.put(BridgeHeaders.TYPE, encoded.typeId());
        headers.put(BridgeHeaders.KIND, "request");
        headers.put(BridgeHeaders.REPLY_TO, replyTopic);
        headers.put(BridgeHeaders.DEADLINE, String.valueOf(deadline.toEpochMilli()));
        headers.put(BridgeHeaders.ORIGIN, bus.instanceId().toString());
        headers.put(BridgeHeaders.HEADERS, codec.encodeHeaders(Headers.empty()));
        if (sessionId != null) {
            headers.put(BridgeHeaders.SESSION, sessionId);
        }
        String key = sessionId != null ? sessionId : id;
        var future = new CompletableFuture<CommandResult<?>>();
        var call = new Call(future, command.getClass(), topic, key, timeout);
        calls.put(id, call);
        requested.increment();
        future.whenComplete((result, error) -> {
            if (error instanceof CancellationException && calls.remove(id) != null) {
                sendCancel(id, call, "cancelled by the caller");
            }
        });
        CompletableFuture.delayedExecutor(timeout.toNanos(), TimeUnit.NANOSECONDS).execute(() -> {
            if (calls.remove(id) != null) {
                future.complete(CommandResult.failure(new FailureCause.TimedOut(timeout)));
                sendCancel(id, call, "the caller's deadline passed");
            }
        });
        transport.send(new TransportRecord(topic, key, headers, encoded.payload())).whenComplete((v, error) -> {
            if (error != null && calls.remove(id) != null) {
                future.complete(CommandResult.failure(new FailureCause.Rejected("the request for "
                        + command.getClass().getName() + " could not be sent to topic '" + topic + "' over "
                        + transport.describe() + ": " + error)));
            }
        });
        return (CompletableFuture) future;
    }

    private void sendCancel(String id, Call call, String reason) {
        Map<String, String> headers = Map.of(BridgeHeaders.KIND, "cancel", BridgeHeaders.CORRELATION, id,
                BridgeHeaders.ORIGIN, bus.instanceId().toString(), BridgeHeaders.MESSAGE_ID, id + "-cancel");
        transport.send(new TransportRecord(call.topic(), call.key(), headers, reason)).whenComplete((v, e) -> {
            if (e != null) {
                LOG.log(Level.WARNING, "the cancel of remote command " + id + " could not be sent: " + e);
            }
        });
    }

    /** A reply: completes its call; a reply nobody waits for any more is counted as late. */
    void onReply(InboundDelivery delivery) {
        TransportRecord record = delivery.record();
        String correlation = record.header(BridgeHeaders.CORRELATION);
        Call call = correlation == null ? null : calls.remove(correlation);
        if (call == null) {
            late.increment();
            LOG.log(Level.DEBUG, () -> "bridge of bus '" + bus.name() + "': reply to " + correlation + " came after its"
                    + " caller stopped waiting");
            return;
        }
        replied.increment();
        Decoded<CommandResult<@Nullable Object>> result = codec.decodeResult(record.value());
        if (result instanceof Decoded.Ok<CommandResult<@Nullable Object>> ok) {
            call.future().complete(ok.value());
        } else {
            call.future().complete(CommandResult.failure(new FailureCause.Rejected("the reply to " + correlation + " ("
                    + call.type().getName() + ") does not read: " + result)));
        }
    }

    /**
     * A request: executed in its session with the time left to its deadline; {@code end} is run
     * once the reply was acknowledged (or could not be sent: the request's record is done either
     * way, the caller times out).
     */
    void onRequest(InboundDelivery delivery, Runnable end) {
        TransportRecord record = delivery.record();
        String id = record.header(BridgeHeaders.MESSAGE_ID);
        String typeId = record.header(BridgeHeaders.TYPE);
        String replyTo = record.header(BridgeHeaders.REPLY_TO);
        if (id == null || typeId == null || replyTo == null) {
            LOG.log(Level.ERROR, "bridge of bus '" + bus.name() + "': request at " + delivery.position()
                    + " lacks its id, type or reply topic; skipped");
            end.run();
            return;
        }
        Instant deadline = deadlineOf(record);
        Duration left = deadline == null ? null : Duration.between(clock.instant(), deadline);
        Decoded<Message> message = codec.decode(typeId, record.value());
        if (!(message instanceof Decoded.Ok<Message> ok) || !(ok.value() instanceof Command<?> command)) {
            reply(id, replyTo, CommandResult.failure(new FailureCause.Rejected("the request " + id + " (type id '"
                    + typeId + "') does not read as a command on bus '" + bus.name() + "': " + message)), end);
            return;
        }
        if (left != null && (left.isNegative() || left.isZero())) {
            reply(id, replyTo, CommandResult.failure(new FailureCause.TimedOut(Duration.ZERO)), end);
            return;
        }
        String sessionId = record.header(BridgeHeaders.SESSION);
        MessageScope scope = sessionId == null ? bus : bus.getOrOpenSession(sessionId);
        Headers headers = Headers.of(BridgeHeaders.IMPORTED_FROM, String.valueOf(record.header(BridgeHeaders.ORIGIN)))
                .with(BridgeHeaders.SOURCE_ID, id);
        ExecuteOptions options = ExecuteOptions.defaults().withHeaders(headers);
        CommandHandle<?> handle = scope.executeAsync(command, left == null ? options : options.withTimeout(left));
        running.put(id, handle);
        served.increment();
        handle.result().whenComplete((result, error) -> {
            running.remove(id);
            CommandResult<?> outcome = result != null ? result
                    : CommandResult.failure(new FailureCause.HandlerThrew(error));
            reply(id, replyTo, outcome, end);
        });
    }

    /** A cancel: cancels the running command it names, if it runs here. */
    void onCancel(InboundDelivery delivery) {
        String correlation = delivery.record().header(BridgeHeaders.CORRELATION);
        CommandHandle<?> handle = correlation == null ? null : running.get(correlation);
        if (handle != null) {
            handle.cancel("the remote caller: " + delivery.record().value());
        }
    }

    private void reply(String id, String replyTo, CommandResult<?> result, Runnable end) {
        String value;
        try {
            value = codec.encodeResult(result);
        } catch (CodecException e) {
            value = codec.encodeResult(CommandResult.failure(new FailureCause.Rejected("the result of " + id
                    + " cannot be sent back: " + e.getMessage())));
        }
        Map<String, String> headers = Map.of(BridgeHeaders.KIND, "reply", BridgeHeaders.CORRELATION, id,
                BridgeHeaders.ORIGIN, bus.instanceId().toString(), BridgeHeaders.MESSAGE_ID, id + "-reply");
        transport.send(new TransportRecord(replyTo, id, headers, value)).whenComplete((v, e) -> {
            if (e != null) {
                LOG.log(Level.ERROR, "bridge of bus '" + bus.name() + "': the reply to " + id + " could not be sent to '"
                        + replyTo + "': " + e + "; its caller times out");
            }
            end.run();
        });
    }

    /** The caller's deadline, or null if the request names none (or an unreadable one): no timeout. */
    private static @Nullable Instant deadlineOf(TransportRecord record) {
        String text = record.header(BridgeHeaders.DEADLINE);
        try {
            return text == null ? null : Instant.ofEpochMilli(Long.parseLong(text));
        } catch (NumberFormatException e) {
            return null;
        }
    }

    /** Fails every waiting call: the bridge is closing. */
    public void close() {
        for (String id : List.copyOf(calls.keySet())) {
            Call call = calls.remove(id);
            if (call != null) {
                call.future().complete(CommandResult.failure(new FailureCause.Cancelled("the bridge of bus '"
                        + bus.name() + "' closed before the reply came")));
            }
        }
    }
}
