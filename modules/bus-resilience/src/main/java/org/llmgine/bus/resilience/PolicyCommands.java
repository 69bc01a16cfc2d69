package org.llmgine.bus.resilience;

import org.llmgine.bus.handler.CommandContext;
import org.llmgine.bus.message.Command;
import org.llmgine.bus.message.CommandResult;
import org.llmgine.bus.message.FailureCause;
import org.llmgine.bus.message.Headers;
import org.llmgine.bus.message.MessageId;
import org.llmgine.bus.middleware.CommandChain;
import org.llmgine.bus.middleware.CommandMiddleware;

/** The policy's command middleware: runs a guarded command type's executions through its pipeline. */
final class PolicyCommands implements CommandMiddleware {

    private final ResiliencePolicy policy;
    private final PolicyObserver observer;

    PolicyCommands(ResiliencePolicy policy, PolicyObserver observer) {
        this.policy = policy;
        this.observer = observer;
    }

    @Override
    public <R> CommandResult<R> handle(Command<R> command, CommandContext context, CommandChain<R> chain)
            throws Exception {
        Class<?> type = command.getClass();
        Pipeline pipeline = policy.commandPipeline(type);
        Headers headers = context.headers();
        String replay = headers.isEmpty() ? null : headers.get(ResiliencePolicy.REPLAY_HEADER).orElse(null);
        if (pipeline == null) {
            if (replay == null) {
                return chain.proceed();
            }
            pipeline = Pipeline.of(); // a replay of a type whose rule is gone still runs and reports
        }
        DeadLetterQueue queue = policy.deadLetters;
        if (queue != null && replay == null) {
            MessageId head = queue.head(context.sessionId(), type.getName());
            if (head != null) {
                SequenceBlocked blocked = new SequenceBlocked(head);
                observer.deadLetter(command, context.messageId(), context.sessionId(), headers, context.priority(),
                        null, blocked, 0, policy.clock.instant(), head);
                return CommandResult.failure(blocked);
            }
        }
        ErrorStats.Counter counter = policy.stats.of(type, null);
        ErrorStats.Counter keyed = policy.statsKeyBy == null ? null
                : policy.stats.of(type.getSimpleName(), null, policy.statsKey(command, null, context));
        Attempts.OfCommand<R> attempts = new Attempts.OfCommand<>(chain, policy.clock, counter, keyed);
        CommandResult<R> result;
        try {
            result = pipeline.decorate(command, null, context, attempts);
        } catch (InterruptedException e) {
            counter.execution(true); // cancelled (or cut by a timeout outside the policy): a failed execution
            if (keyed != null) {
                keyed.execution(true);
            }
            throw e;
        } catch (RuntimeException | Error e) {
            // a stage failed (a key function or predicate that threw): the execution fails with it, counted
            result = CommandResult.failure(new FailureCause.HandlerThrew(e));
        }
        FailureCause failure = result instanceof CommandResult.Failure<R> f ? f.cause() : null;
        counter.execution(failure != null);
        if (keyed != null) {
            keyed.execution(failure != null);
        }
        if (failure != null && queue != null && replay == null && policy.deadLetterOn.test(failure)) {
            observer.deadLetter(command, context.messageId(), context.sessionId(), headers, context.priority(), null,
                    failure, attempts(failure, attempts), attempts.firstFailure(), null);
        }
        return result;
    }

    static int attempts(FailureCause failure, Attempts<?> attempts) {
        return failure instanceof FailureCause.RetriesExhausted exhausted ? Math.max(exhausted.attempts(),
                attempts.made()) : attempts.made();
    }

    @Override
    public String toString() {
        return "ResiliencePolicy.commands[" + policy + "]";
    }

}
