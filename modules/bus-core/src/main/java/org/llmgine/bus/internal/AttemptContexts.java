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
import org.llmgine.bus.handler.CommandContext;
import org.llmgine.bus.handler.EventContext;
import org.llmgine.bus.handler.MessageContext;
import org.llmgine.bus.message.Command;
import org.llmgine.bus.message.CommandResult;
import org.llmgine.bus.message.Event;
import org.llmgine.bus.message.Headers;
import org.llmgine.bus.message.MessageId;

/**
 * The contexts {@code withAttempt} returns: the same context, reporting another attempt number
 * (what a retry decorator hands the handler it calls again). Everything else is the original's.
 */
final class AttemptContexts {

    private AttemptContexts() {
    }

    private abstract static class Forwarding implements MessageContext {
        final MessageContext original;
        final int attempt;

        Forwarding(MessageContext original, int attempt) {
            if (attempt < 1) {
                throw new IllegalArgumentException("attempt must be at least 1, but was " + attempt);
            }
            this.original = original;
            this.attempt = attempt;
        }

        @Override
        public MessageId messageId() {
            return original.messageId();
        }

        @Override
        public @Nullable String sessionId() {
            return original.sessionId();
        }

        @Override
        public Instant timestamp() {
            return original.timestamp();
        }

        @Override
        public Headers headers() {
            return original.headers();
        }

        @Override
        public int priority() {
            return original.priority();
        }

        @Override
        public int attempt() {
            return attempt;
        }

        @Override
        public boolean isCancelled() {
            return original.isCancelled();
        }

        @Override
        public Optional<Instant> deadline() {
            return original.deadline();
        }

        @Override
        public void sleep(Duration duration) throws InterruptedException {
            original.sleep(duration);
        }

        @Override
        public PublishOutcome publish(Event event, PublishOptions options) {
            return original.publish(event, options);
        }

        @Override
        public ScheduledEvent schedule(Event event, Duration delay, PublishOptions options) {
            return original.schedule(event, delay, options);
        }

        @Override
        public <R> CommandResult<R> execute(Command<R> command, ExecuteOptions options) {
            return original.execute(command, options);
        }

        @Override
        public <R> CommandHandle<R> executeAsync(Command<R> command, ExecuteOptions options) {
            return original.executeAsync(command, options);
        }

        @Override
        public String toString() {
            return original + " (attempt " + attempt + ")";
        }
    }

    /** An event's context at another attempt. */
    static final class OfEvent extends Forwarding implements EventContext {
        OfEvent(EventContext original, int attempt) {
            super(original, attempt);
        }

        @Override
        public EventContext withAttempt(int next) {
            return new OfEvent((EventContext) original, next);
        }
    }

    /** A command's context at another attempt; the run keeps the highest attempt for CommandCompleted. */
    static final class OfCommand extends Forwarding implements CommandContext {
        OfCommand(CommandRun run, int attempt) {
            super(run, attempt);
            run.attemptReported(attempt);
        }

        @Override
        public CommandContext withAttempt(int next) {
            return new OfCommand((CommandRun) original, next);
        }
    }
}
