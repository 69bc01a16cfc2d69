package org.llmgine.bus.resilience;

import java.time.Duration;
import java.time.Instant;
import org.llmgine.bus.message.Command;
import org.llmgine.bus.message.CommandResult;

/** Message contexts for calling decorators outside a bus. */
final class TestContexts {

    private TestContexts() {
    }

    /** The least context a decorator called outside the bus needs; what it cannot do throws. */
    static final class Fixed implements org.llmgine.bus.handler.MessageContext {
        @Override
        public org.llmgine.bus.message.MessageId messageId() {
            return new org.llmgine.bus.message.MessageId(java.util.UUID.randomUUID(),
                    org.llmgine.bus.message.MessageId.Kind.COMMAND, 1);
        }

        @Override
        public @org.jspecify.annotations.Nullable String sessionId() {
            return null;
        }

        @Override
        public Instant timestamp() {
            return Instant.EPOCH;
        }

        @Override
        public org.llmgine.bus.message.Headers headers() {
            return org.llmgine.bus.message.Headers.empty();
        }

        @Override
        public int priority() {
            return 0;
        }

        @Override
        public int attempt() {
            return 1;
        }

        @Override
        public org.llmgine.bus.handler.MessageContext withAttempt(int attempt) {
            return this;
        }

        @Override
        public boolean isCancelled() {
            return false;
        }

        @Override
        public java.util.Optional<Instant> deadline() {
            return java.util.Optional.empty();
        }

        @Override
        public void sleep(Duration duration) {
            throw new UnsupportedOperationException("not used");
        }

        @Override
        public org.llmgine.bus.PublishOutcome publish(org.llmgine.bus.message.Event event,
                org.llmgine.bus.PublishOptions options) {
            throw new UnsupportedOperationException("not used");
        }

        @Override
        public org.llmgine.bus.ScheduledEvent schedule(org.llmgine.bus.message.Event event, Duration delay,
                org.llmgine.bus.PublishOptions options) {
            throw new UnsupportedOperationException("not used");
        }

        @Override
        public <R> CommandResult<R> execute(Command<R> command, org.llmgine.bus.ExecuteOptions options) {
            throw new UnsupportedOperationException("not used");
        }

        @Override
        public <R> org.llmgine.bus.CommandHandle<R> executeAsync(Command<R> command,
                org.llmgine.bus.ExecuteOptions options) {
            throw new UnsupportedOperationException("not used");
        }
    }
}
