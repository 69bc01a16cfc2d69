package org.llmgine.bus.benchmarks.jmh;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.UUID;
import org.jspecify.annotations.Nullable;
import org.llmgine.bus.CommandHandle;
import org.llmgine.bus.ExecuteOptions;
import org.llmgine.bus.PublishOptions;
import org.llmgine.bus.PublishOutcome;
import org.llmgine.bus.ScheduledEvent;
import org.llmgine.bus.handler.MessageContext;
import org.llmgine.bus.handler.Priority;
import org.llmgine.bus.message.Command;
import org.llmgine.bus.message.CommandResult;
import org.llmgine.bus.message.Event;
import org.llmgine.bus.message.Headers;
import org.llmgine.bus.message.MessageId;

/**
 * A message context outside any bus, for calling resilience decorators directly in a benchmark:
 * the envelope is fixed (one id, the bus scope, no headers, normal priority, no deadline, never
 * cancelled) and everything that would need a bus throws {@link UnsupportedOperationException}.
 * {@link #sleep} throws too: a retry sleeps only after a failure, and the benchmarks measure the
 * success path. Immutable and thread-safe.
 */
final class FixedContext implements MessageContext {

    private static final MessageId ID = new MessageId(new UUID(0x0193a1c27d4e7b2aL, 0x9f104c8e2d1a5b67L),
            MessageId.Kind.COMMAND, 1);
    private static final Instant TIMESTAMP = Instant.parse("2026-01-01T00:00:00Z");

    private final int attempt;

    /**
     * Makes the context of a first attempt.
     */
    FixedContext() {
        this(1);
    }

    private FixedContext(int attempt) {
        this.attempt = attempt;
    }

    @Override
    public MessageId messageId() {
        return ID;
    }

    @Override
    public @Nullable String sessionId() {
        return null;
    }

    @Override
    public Instant timestamp() {
        return TIMESTAMP;
    }

    @Override
    public Headers headers() {
        return Headers.empty();
    }

    @Override
    public int priority() {
        return Priority.NORMAL;
    }

    @Override
    public int attempt() {
        return attempt;
    }

    @Override
    public MessageContext withAttempt(int attempt) {
        if (attempt < 1) {
            throw new IllegalArgumentException("attempt must be at least 1, but was " + attempt);
        }
        return new FixedContext(attempt);
    }

    @Override
    public boolean isCancelled() {
        return false;
    }

    @Override
    public Optional<Instant> deadline() {
        return Optional.empty();
    }

    @Override
    public void sleep(Duration duration) {
        throw new UnsupportedOperationException("a benchmark context does not sleep (only a retry after a failure would)");
    }

    @Override
    public PublishOutcome publish(Event event, PublishOptions options) {
        throw unsupported("publish");
    }

    @Override
    public ScheduledEvent schedule(Event event, Duration delay, PublishOptions options) {
        throw unsupported("schedule");
    }

    @Override
    public <R> CommandResult<R> execute(Command<R> command, ExecuteOptions options) {
        throw unsupported("execute");
    }

    @Override
    public <R> CommandHandle<R> executeAsync(Command<R> command, ExecuteOptions options) {
        throw unsupported("executeAsync");
    }

    private static UnsupportedOperationException unsupported(String what) {
        return new UnsupportedOperationException("a benchmark context has no bus to " + what + " through");
    }

    @Override
    public String toString() {
        return "FixedContext[attempt " + attempt + "]";
    }
}
