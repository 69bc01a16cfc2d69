package org.llmgine.bus.resilience;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import org.jspecify.annotations.Nullable;
import org.llmgine.bus.CloseReport;
import org.llmgine.bus.DeliveryOutcome;
import org.llmgine.bus.ExecuteOptions;
import org.llmgine.bus.MessageBus;
import org.llmgine.bus.MessageScope;
import org.llmgine.bus.PublishOptions;
import org.llmgine.bus.Session;
import org.llmgine.bus.message.Command;
import org.llmgine.bus.message.CommandResult;
import org.llmgine.bus.message.Event;
import org.llmgine.bus.message.FailureCause;
import org.llmgine.bus.message.Headers;
import org.llmgine.bus.message.Message;
import org.llmgine.bus.message.MessageId;
import org.llmgine.bus.spi.BusObserver;
import org.llmgine.bus.spi.LifecyclePublisher;
import org.llmgine.bus.spi.MessageView;

/**
 * The policy's link to its bus: attaches the dead letter queue for replays, publishes the module's
 * lifecycle events, and dead-letters the events DROP_OLDEST evicts (if asked). One bus at a time.
 */
final class PolicyObserver implements BusObserver, DeadLetterQueue.Replayer {

    private final ResiliencePolicy policy;
    private final ConcurrentHashMap<String, CompletableFuture<CommandResult<?>>> replays = new ConcurrentHashMap<>();
    private volatile @Nullable MessageBus bus;

    PolicyObserver(ResiliencePolicy policy) {
        this.policy = policy;
    }

    @Override
    public void onAttach(MessageBus attached) {
        bus = attached;
        DeadLetterQueue queue = policy.deadLetters;
        if (queue != null) {
            queue.attach(this);
        }
    }

    @Override
    public void onClose(MessageBus closed, CloseReport report) {
        DeadLetterQueue queue = policy.deadLetters;
        if (queue != null) {
            queue.detach(this);
        }
        if (bus == closed) {
            bus = null;
        }
    }

    @Override
    public void onDropped(MessageView event) {
        if (!policy.deadLetterDropped || policy.deadLetters == null) {
            return;
        }
        deadLetter(event.message(), event.id(), event.sessionId(), event.headers(), event.priority(),
                DeadLetter.ALL_HANDLERS, new FailureCause.Rejected("evicted by DROP_OLDEST before any handler ran"),
                0, policy.clock.instant(), null);
    }

    void transitioned(CircuitBreaker.Transition transition) {
        MessageBus current = bus;
        if (current == null) {
            return;
        }
        LifecyclePublisher lifecycle = current.lifecycle();
        if (lifecycle.isListened(null, CircuitBreakerTransitioned.class)) {
            lifecycle.publish(null, new CircuitBreakerTransitioned(transition), Headers.empty());
        }
    }

    /** Adds an entry to the policy's queue and publishes its event, without waiting for it. */
    void deadLetter(Message message, MessageId messageId, @Nullable String sessionId, Headers headers, int priority,
            @Nullable String handler, FailureCause cause, int attempts, Instant firstFailure,
            @Nullable MessageId heldBehind) {
        DeadLetterQueue queue = policy.deadLetters;
        if (queue == null) {
            return;
        }
        DeadLetterEntries.Added added = queue.add(message, messageId, sessionId, headers, priority, handler, cause,
                attempts, firstFailure, heldBehind);
        MessageBus current = bus;
        if (added == null || current == null) {
            return;
        }
        LifecyclePublisher lifecycle = current.lifecycle();
        if (lifecycle.isListened(sessionId, DeadLettered.class)) {
            lifecycle.publish(sessionId, new DeadLettered(added.entry(), added.evicted() != null), Headers.empty());
        }
    }

    /** A replayed handler ran: its outcome, for the replay waiting on it. */
    void replayed(String entryId, CommandResult<?> result) {
        CompletableFuture<CommandResult<?>> waiting = replays.get(entryId);
        if (waiting != null) {
            waiting.complete(result);
        }
    }

    @Override
    public DeadLetterQueue.Run replay(DeadLetter entry, Duration timeout) throws InterruptedException {
        MessageBus current = bus;
        if (current == null) {
            return new DeadLetterQueue.Run.NotRun("the policy's bus is closed or not started");
        }
        MessageScope scope = current;
        if (entry.sessionId() != null) {
            Optional<Session> session = current.session(entry.sessionId());
            if (session.isEmpty()) {
                return new DeadLetterQueue.Run.NotRun("session '" + entry.sessionId() + "' is not open");
            }
            scope = session.get();
        }
        Headers headers = entry.headers().with(ResiliencePolicy.REPLAY_HEADER, entry.id().toString());
        if (!entry.isEvent()) {
            // the execute timeout cuts the run (the bus cancels the handler), so a command never runs on after it
            CommandResult<?> result = scope.execute((Command<?>) entry.message(),
                    new ExecuteOptions(headers, timeout, entry.priority()));
            if (result instanceof CommandResult.Failure<?> failure
                    && (failure.cause() instanceof FailureCause.Unavailable
                            || failure.cause() instanceof FailureCause.NoHandler)) {
                return new DeadLetterQueue.Run.NotRun(failure.cause().describe());
            }
            return new DeadLetterQueue.Run.Done(result);
        }
        Event event = (Event) entry.message();
        String handler = entry.handler();
        if (DeadLetter.ALL_HANDLERS.equals(handler)) {
            DeliveryOutcome outcome = scope.publishAndWait(event, new PublishOptions(headers, entry.priority()), timeout);
            return switch (outcome) {
                case DeliveryOutcome.Delivered delivered -> new DeadLetterQueue.Run.Done(delivered.failures().isEmpty()
                        ? CommandResult.done()
                        : CommandResult.failure(new FailureCause.HandlerThrew(delivered.failures().get(0).error())));
                case DeliveryOutcome.TimedOut timedOut -> new DeadLetterQueue.Run.StillRunning(null);
                default -> new DeadLetterQueue.Run.NotRun("the event was not delivered: " + outcome);
            };
        }
        String key = entry.id().toString();
        CompletableFuture<CommandResult<?>> outcomeOfHandler = new CompletableFuture<>();
        replays.put(key, outcomeOfHandler);
        outcomeOfHandler.whenComplete((result, error) -> replays.remove(key, outcomeOfHandler));
        DeliveryOutcome outcome = scope.publishAndWait(event,
                new PublishOptions(headers.with(ResiliencePolicy.REPLAY_HANDLER_HEADER, handler), entry.priority()),
                timeout);
        if (outcome instanceof DeliveryOutcome.TimedOut) {
            return new DeadLetterQueue.Run.StillRunning(outcomeOfHandler); // it settles the entry when it ends
        }
        if (!(outcome instanceof DeliveryOutcome.Delivered)) {
            replays.remove(key, outcomeOfHandler);
            return new DeadLetterQueue.Run.NotRun("the event was not delivered: " + outcome);
        }
        CommandResult<?> result = outcomeOfHandler.getNow(null);
        if (result == null) {
            replays.remove(key, outcomeOfHandler);
            return new DeadLetterQueue.Run.NotRun("handler '" + handler + "' did not run: it is not registered for "
                    + event.getClass().getName() + " in this scope");
        }
        return new DeadLetterQueue.Run.Done(result);
    }

    @Override
    public String toString() {
        return "ResiliencePolicy.observer[" + policy + "]";
    }
}
