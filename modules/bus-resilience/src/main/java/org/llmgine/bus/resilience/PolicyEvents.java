package org.llmgine.bus.resilience;

import org.llmgine.bus.handler.EventContext;
import org.llmgine.bus.handler.HandlerInfo;
import org.llmgine.bus.message.CommandResult;
import org.llmgine.bus.message.Event;
import org.llmgine.bus.message.FailureCause;
import org.llmgine.bus.message.Headers;
import org.llmgine.bus.message.MessageId;
import org.llmgine.bus.middleware.EventChain;
import org.llmgine.bus.middleware.EventMiddleware;

/**
 * The policy's event middleware: runs a guarded handler's invocations through its pipeline, and
 * lets a replayed event reach only the handler its entry names.
 */
final class PolicyEvents implements EventMiddleware {

    private final ResiliencePolicy policy;
    private final PolicyObserver observer;

    PolicyEvents(ResiliencePolicy policy, PolicyObserver observer) {
        this.policy = policy;
        this.observer = observer;
    }

    @Override
    public void handle(Event event, EventContext context, HandlerInfo handler, EventChain chain) throws Exception {
        Headers headers = context.headers();
        String replay = null;
        if (!headers.isEmpty()) {
            replay = headers.get(ResiliencePolicy.REPLAY_HEADER).orElse(null);
            if (replay != null) {
                String target = headers.get(ResiliencePolicy.REPLAY_HANDLER_HEADER).orElse(DeadLetter.ALL_HANDLERS);
                if (!target.equals(DeadLetter.ALL_HANDLERS) && !target.equals(handler.name())) {
                    return; // a replay is for one handler; the others already handled this event
                }
            }
        }
        Class<?> type = event.getClass();
        Pipeline pipeline = policy.eventPipeline(type, handler.name());
        if (pipeline == null) {
            if (replay == null) {
                chain.proceed();
                return;
            }
            pipeline = Pipeline.of();
        }
        DeadLetterQueue queue = policy.deadLetters;
        if (queue != null && replay == null) {
            MessageId head = queue.head(context.sessionId(), handler.name());
            if (head != null) {
                SequenceBlocked blocked = new SequenceBlocked(head);
                observer.deadLetter(event, context.messageId(), context.sessionId(), headers, context.priority(),
                        handler.name(), blocked, 0, policy.clock.instant(), head);
                throw new ResilienceException(blocked);
            }
        }
        ErrorStats.Counter counter = policy.stats.of(type, handler.name());
        ErrorStats.Counter keyed = policy.statsKeyBy == null ? null : policy.stats.of(type.getSimpleName(),
                handler.name(), policy.statsKey(event, handler, context));
        Attempts.OfEvent attempts = new Attempts.OfEvent(chain, policy.clock, counter, keyed);
        CommandResult<Void> result;
        try {
            result = pipeline.decorate(event, handler, context, attempts);
        } catch (InterruptedException e) {
            counter.execution(true);
            if (keyed != null) {
                keyed.execution(true);
            }
            throw e;
        } catch (RuntimeException | Error e) {
            result = CommandResult.failure(new FailureCause.HandlerThrew(e));
        }
        FailureCause failure = result instanceof CommandResult.Failure<Void> f ? f.cause() : null;
        counter.execution(failure != null);
        if (keyed != null) {
            keyed.execution(failure != null);
        }
        if (replay != null) {
            observer.replayed(replay, result);
        }
        if (failure == null) {
            return;
        }
        if (queue != null && replay == null && policy.deadLetterOn.test(failure)) {
            observer.deadLetter(event, context.messageId(), context.sessionId(), headers, context.priority(),
                    handler.name(), failure, PolicyCommands.attempts(failure, attempts), attempts.firstFailure(), null);
        }
        throw new ResilienceException(failure);
    }

    @Override
    public String toString() {
        return "ResiliencePolicy.events[" + policy + "]";
    }
}
