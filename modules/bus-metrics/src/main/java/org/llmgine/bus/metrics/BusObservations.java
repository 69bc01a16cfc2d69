package org.llmgine.bus.metrics;

import io.micrometer.common.KeyValue;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationRegistry;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;
import org.llmgine.bus.MessageBus;
import org.llmgine.bus.handler.CommandContext;
import org.llmgine.bus.handler.EventContext;
import org.llmgine.bus.handler.HandlerInfo;
import org.llmgine.bus.message.Command;
import org.llmgine.bus.message.CommandResult;
import org.llmgine.bus.message.Event;
import org.llmgine.bus.message.MessageId;
import org.llmgine.bus.middleware.CommandChain;
import org.llmgine.bus.middleware.CommandMiddleware;
import org.llmgine.bus.middleware.EventChain;
import org.llmgine.bus.middleware.EventMiddleware;
import org.llmgine.bus.spi.BusObserver;
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
 * <p>In-process the parent travels with the message's id, in a map of the messages in flight
 * (removed when the message ends); the handler's observation is opened in scope on its thread.
 * Installed, it costs two map operations and the observations per message; not installed, nothing.
 */
public final class BusObservations implements BusObserver, CommandMiddleware, EventMiddleware {

    private final ObservationRegistry registry;
    private final ConcurrentHashMap<MessageId, Observation> inFlight = new ConcurrentHashMap<>();

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
        return builder.addObserver(this).addCommandMiddleware(this).addEventMiddleware(this);
    }

    private Observation start(String name, Class<?> type, @Nullable String sessionId,
            @Nullable Observation parent) {
        Observation observation = Observation.createNotStarted(name, registry)
                .lowCardinalityKeyValue(KeyValue.of("type", type.getSimpleName()))
                .highCardinalityKeyValue(KeyValue.of("session", sessionId == null ? "" : sessionId));
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
        Observation publish = start("llmgine.publish", event.type(), event.sessionId(),
                registry.getCurrentObservation());
        publish.stop();
        inFlight.put(event.id(), publish);
    }

    @Override
    public void onCommandStarted(MessageView command) {
        if (registry.isNoop()) {
            return;
        }
        // on the caller's thread: what is current here is the execution's parent
        inFlight.put(command.id(), start("llmgine.execute", command.type(), command.sessionId(),
                registry.getCurrentObservation()));
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
        Observation parent = inFlight.get(context.messageId());
        if (parent == null) {
            return chain.proceed();
        }
        Observation handle = start("llmgine.handle", command.getClass(), context.sessionId(), parent);
        return inScope(handle, chain::proceed, BusObservations::outcome);
    }

    @Override
    public void handle(Event event, EventContext context, HandlerInfo handler, EventChain chain) throws Exception {
        Observation parent = inFlight.get(context.messageId());
        if (parent == null) {
            chain.proceed();
            return;
        }
        Observation handle = start("llmgine.handle", event.getClass(), context.sessionId(), parent)
                .lowCardinalityKeyValue(KeyValue.of("handler", handler.name()));
        inScope(handle, () -> {
            chain.proceed();
            return CommandResult.done();
        }, BusObservations::outcome);
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

    @Override
    public String toString() {
        return "BusObservations[" + inFlight.size() + " messages in flight]";
    }
}
