package org.llmgine.bus.metrics;

import io.micrometer.common.KeyValue;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationRegistry;
import io.micrometer.observation.transport.ReceiverContext;
import io.micrometer.observation.transport.SenderContext;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.Locale;
import org.jspecify.annotations.Nullable;
import org.llmgine.bus.MessageBus;
import org.llmgine.bus.RejectionReason;
import org.llmgine.bus.handler.CommandContext;
import org.llmgine.bus.handler.EventContext;
import org.llmgine.bus.handler.HandlerInfo;
import org.llmgine.bus.handler.MessageContext;
import org.llmgine.bus.message.Command;
import org.llmgine.bus.message.CommandResult;
import org.llmgine.bus.message.Event;
import org.llmgine.bus.message.Headers;
import org.llmgine.bus.message.Message;
import org.llmgine.bus.message.MessageId;
import org.llmgine.bus.middleware.CommandChain;
import org.llmgine.bus.middleware.CommandMiddleware;
import org.llmgine.bus.middleware.EventChain;
import org.llmgine.bus.middleware.EventMiddleware;
import org.llmgine.bus.spi.BusObserver;
import org.llmgine.bus.spi.EventOffer;
import org.llmgine.bus.spi.HeaderPropagator;
import org.llmgine.bus.spi.MessageView;

/**
 * Micrometer Observations of a bus, for tracing: {@code llmgine.publish} when an event is accepted,
 * {@code llmgine.execute} for a command execution, and {@code llmgine.handle} for each handler
 * invocation, with the message type (and handler, outcome) as low-cardinality keys and the session
 * id only as a high-cardinality key. Each observation's parent is what was current where the
 * message came from: a publish or execute made inside a handler is a child of that handler's
 * observation, and a handler's is a child of its message's publish or execute, so a command, the
 * events its handler publishes and their handlers form one trace (with a tracing bridge on the
 * registry, one trace id).
 *
 * <pre>{@code
 * MessageBus bus = new BusObservations(observationRegistry).installOn(MessageBus.builder()).start();
 * }</pre>
 *
 * <p>The trace context travels in the message's headers. As a {@link HeaderPropagator} this starts
 * the publish or execute observation on the sender's thread, before the message is accepted, with a
 * {@link SenderContext} whose carrier is the message's headers: a tracing bridge on the registry
 * (Micrometer Tracing with Brave or OpenTelemetry) writes its propagation headers there
 * ({@code traceparent}, or B3's). Each handler's observation has a {@link ReceiverContext} reading the
 * headers its message arrived with, so the bridge continues that trace, also for a message that was
 * scheduled, stored or sent from another process with those headers. Events published through a
 * handler's context carry its headers on, with the handler's own span as the new parent. In-process
 * the parent observation itself also travels with the message's id, in a map of the messages in
 * flight (removed when the message ends), so the tree holds without a tracing bridge. The handler's
 * observation is opened in scope on its thread. Installed, it costs two map operations and the
 * observations per message; not installed, nothing.
 */
public final class BusObservations implements BusObserver, CommandMiddleware, EventMiddleware, HeaderPropagator {

    private final ObservationRegistry registry;
    private final ConcurrentHashMap<MessageId, Observation> inFlight = new ConcurrentHashMap<>();
    /**
     * Send observations started by {@link #propagate} and not yet matched to the acceptance (or
     * refusal) of their message, which the bus reports on the same thread before the send returns.
     */
    private final ThreadLocal<@Nullable Pending> pending = new ThreadLocal<>();

    /** A started send observation and the message it is for; a list, in case a filter sends too. */
    private record Pending(Message message, Observation observation, @Nullable Pending next) {
    }

    /**
     * Observes into {@code registry}.
     *
     * @param registry the observation registry
     */
    public BusObservations(ObservationRegistry registry) {
        this.registry = Objects.requireNonNull(registry, "registry");
    }

    /**
     * Adds this as the builder's observer, command middleware and event middleware (after the
     * middleware already added, so it is innermost: its handler observation is the handler's own).
     *
     * @param builder the bus's builder
     * @return the builder
     */
    public MessageBus.Builder installOn(MessageBus.Builder builder) {
        return builder.addObserver(this).addCommandMiddleware(this).addEventMiddleware(this)
                .addHeaderPropagator(this);
    }

    /**
     * Starts the message's publish or execute observation on the sender's thread, a child of what is
     * current here, and returns its headers with what the registry's handlers injected into them
     * (a tracing bridge's propagation headers).
     *
     * @param message the event or command being sent
     * @param sessionId its session, or null
     * @param headers its headers so far
     * @return the headers with the trace context added
     */
    @Override
    public Headers propagate(Message message, @Nullable String sessionId, Headers headers) {
        if (registry.isNoop()) {
            return headers;
        }
        Map<String, String> carrier = new HashMap<>();
        SenderContext<Map<String, String>> context = new SenderContext<>((c, key, value) -> {
            if (c != null) {
                c.put(key, value);
            }
        });
        context.setCarrier(carrier);
        String name = message instanceof Command<?> ? "llmgine.execute" : "llmgine.publish";
        Observation observation = keys(Observation.createNotStarted(name, () -> context, registry), message.getClass(),
                sessionId);
        Observation parent = registry.getCurrentObservation();
        if (parent != null) {
            observation.parentObservation(parent);
        }
        observation.start();
        pending.set(new Pending(message, observation, pending.get()));
        return carrier.isEmpty() ? headers : headers.withAll(Headers.copyOf(carrier));
    }

    /** Removes and returns the pending send observation of {@code message}, or null. */
    private @Nullable Observation takePending(Object message) {
        Pending head = pending.get();
        if (head == null) {
            return null;
        }
        if (head.message() == message) {
            setPending(head.next());
            return head.observation();
        }
        // rare: a send made while another was pending on this thread (a filter that publishes)
        List<Pending> others = new ArrayList<>();
        Observation found = null;
        for (Pending p = head; p != null; p = p.next()) {
            if (found == null && p.message() == message) {
                found = p.observation();
            } else {
                others.add(p);
            }
        }
        if (found != null) {
            Pending rebuilt = null;
            for (int i = others.size() - 1; i >= 0; i--) {
                rebuilt = new Pending(others.get(i).message(), others.get(i).observation(), rebuilt);
            }
            setPending(rebuilt);
        }
        return found;
    }

    private void setPending(@Nullable Pending p) {
        if (p == null) {
            pending.remove();
        } else {
            pending.set(p);
        }
    }

    private static Observation keys(Observation observation, Class<?> type, @Nullable String sessionId) {
        return observation.lowCardinalityKeyValue(KeyValue.of("type", type.getSimpleName()))
                .highCardinalityKeyValue(KeyValue.of("session", sessionId == null ? "" : sessionId));
    }

    private Observation start(String name, Class<?> type, @Nullable String sessionId,
            @Nullable Observation parent) {
        Observation observation = keys(Observation.createNotStarted(name, registry), type, sessionId);
        if (parent != null) {
            observation.parentObservation(parent);
        }
        return observation.start();
    }

    @Override
    public void onAccepted(MessageView event, int queueSize) {
        if (registry.isNoop()) {
            return;
        }
        Observation publish = takePending(event.message());
        if (publish == null) {
            // A lifecycle event or a scheduled one falling due, sent without propagate (its headers
            // are its cause's, or were fixed when it was scheduled). Published inside an observation
            // (a handler's), it is observed as that one's child; otherwise (the timer's thread) not
            // at all, and its handlers continue the trace its headers carry.
            Observation current = registry.getCurrentObservation();
            if (current == null) {
                return;
            }
            publish = start("llmgine.publish", event.type(), event.sessionId(), current);
        }
        publish.stop();
        inFlight.put(event.id(), publish);
    }

    /**
     * Ends the publish observation of a refused event, with the reason as its outcome.
     *
     * @param offer the event
     * @param reason why it was refused
     */
    @Override
    public void onRejected(EventOffer offer, RejectionReason reason) {
        Observation publish = takePending(offer.event());
        if (publish != null) {
            publish.lowCardinalityKeyValue(KeyValue.of("outcome", reason.name().toLowerCase(Locale.ROOT))).stop();
        }
    }

    /**
     * Ends the publish observation of an event a filter declined, with outcome {@code filtered}.
     *
     * @param offer the event
     * @param filter the filter's name
     */
    @Override
    public void onFiltered(EventOffer offer, String filter) {
        Observation publish = takePending(offer.event());
        if (publish != null) {
            publish.lowCardinalityKeyValue(KeyValue.of("outcome", "filtered")).stop();
        }
    }

    @Override
    public void onCommandStarted(MessageView command) {
        if (registry.isNoop()) {
            return;
        }
        Observation execute = takePending(command.message());
        if (execute == null) {
            // on the caller's thread: what is current here is the execution's parent
            execute = start("llmgine.execute", command.type(), command.sessionId(), registry.getCurrentObservation());
        }
        inFlight.put(command.id(), execute);
    }

    @Override
    public void onCommandCompleted(MessageView command, long durationNanos, CommandResult<?> result) {
        Observation execute = inFlight.remove(command.id());
        if (execute != null) {
            execute.lowCardinalityKeyValue(KeyValue.of("outcome", outcome(result))).stop();
        }
    }

    private static String outcome(CommandResult<?> result) {
        return result instanceof CommandResult.Failure<?> failure ? failure.cause().getClass().getSimpleName()
                : "success";
    }

    @Override
    public void onDelivered(MessageView event, int handlersInvoked, long processingNanos, long endToEndNanos,
            int queueSize) {
        inFlight.remove(event.id());
    }

    @Override
    public void onDropped(MessageView event) {
        inFlight.remove(event.id());
    }

    @Override
    public void onCancelled(MessageView event) {
        inFlight.remove(event.id());
    }

    @Override
    public void onReturned(MessageView event) {
        inFlight.remove(event.id());
    }

    @Override
    public <R> CommandResult<R> handle(Command<R> command, CommandContext context, CommandChain<R> chain)
            throws Exception {
        if (registry.isNoop()) {
            return chain.proceed();
        }
        Observation handle = receive(command.getClass(), context).start();
        return inScope(handle, chain::proceed, BusObservations::outcome);
    }

    @Override
    public void handle(Event event, EventContext context, HandlerInfo handler, EventChain chain) throws Exception {
        if (registry.isNoop()) {
            chain.proceed();
            return;
        }
        Observation handle = receive(event.getClass(), context)
                .lowCardinalityKeyValue(KeyValue.of("handler", handler.name())).start();
        inScope(handle, () -> {
            chain.proceed();
            return CommandResult.done();
        }, BusObservations::outcome);
    }

    /**
     * A handler's observation, not started: its context reads the headers the message arrived with
     * (where a tracing bridge finds the sender's trace), and its parent is the message's send
     * observation when the message was sent in this process.
     */
    private Observation receive(Class<?> type, MessageContext context) {
        ReceiverContext<Headers> receiver = new ReceiverContext<>((carrier, key) ->
                carrier == null ? null : carrier.get(key).orElse(null));
        receiver.setCarrier(context.headers());
        Observation observation = keys(Observation.createNotStarted("llmgine.handle", () -> receiver, registry), type,
                context.sessionId());
        Observation parent = inFlight.get(context.messageId());
        if (parent != null) {
            observation.parentObservation(parent);
        }
        return observation;
    }

    /** A handler's run, which may throw. */
    private interface Run<T> {
        T run() throws Exception;
    }

    /** Runs {@code run} with {@code handle} in scope on this thread, records its outcome and stops it. */
    private static <T> T inScope(Observation handle, Run<T> run, Function<T, String> outcome)
            throws Exception {
        Observation.Scope scope = handle.openScope();
        try {
            T result = run.run();
            handle.lowCardinalityKeyValue(KeyValue.of("outcome", outcome.apply(result)));
            return result;
        } catch (Exception | Error e) {
            handle.lowCardinalityKeyValue(KeyValue.of("outcome", "threw")).error(e);
            throw e;
        } finally {
            scope.close();
            handle.stop();
        }
    }

    /**
     * Returns false: this observer does not read {@code onDelivered}'s times, so the bus need not keep
     * them.
     *
     * @return false
     */
    @Override
    public boolean wantsDeliveryTimes() {
        return false;
    }

    /**
     * Returns false: this observer does not read the queue sizes of {@code onAccepted} and
     * {@code onDelivered}, so the bus need not read them exactly for every event.
     *
     * @return false
     */
    @Override
    public boolean wantsQueueSizes() {
        return false;
    }

    @Override
    public String toString() {
        return "BusObservations[" + inFlight.size() + " messages in flight]";
    }
}
