package org.llmgine.bus.resilience;

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
import org.llmgine.bus.message.Command;
import org.llmgine.bus.message.CommandResult;
import org.llmgine.bus.message.Event;
import org.llmgine.bus.message.Headers;
import org.llmgine.bus.message.MessageId;

/**
 * A message context with fixed values and settable headers, for running decorators without a bus.
 * Its {@link #sleep} advances the {@link ManualClock} it was given (a retry's backoff passes at
 * once); publishing, scheduling and executing are not supported.
 */
final class TestContext implements MessageContext {

    private static final UUID ORIGIN = new UUID(0x0193_a1c2_7d4e_7b2aL, 0x9f10_4c8e_2d1a_5b67L);

    private final @Nullable ManualClock clock;
    private final Headers headers;
    private final int attempt;

    private TestContext(@Nullable ManualClock clock, Headers headers, int attempt) {
        this.clock = clock;
        this.headers = headers;
        this.attempt = attempt;
    }

    /** A context without headers and without a clock: for decorators that neither sleep nor publish. */
    static TestContext fixed() {
        return new TestContext(null, Headers.empty(), 1);
    }

    /** A context without headers whose sleep advances {@code clock}. */
    static TestContext on(ManualClock clock) {
        return new TestContext(clock, Headers.empty(), 1);
    }

    /** This context with one more header. */
    TestContext withHeader(String key, String value) {
        return new TestContext(clock, headers.with(key, value), attempt);
    }

    @Override
    public MessageId messageId() {
        return new MessageId(ORIGIN, MessageId.Kind.COMMAND, 1);
    }

    @Override
    public @Nullable String sessionId() {
        return null;
    }

    @Override
    public Instant timestamp() {
        return Instant.EPOCH;
    }

    @Override
    public Headers headers() {
        return headers;
    }

    @Override
    public int priority() {
        return 50;
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
        return new TestContext(clock, headers, attempt);
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
        ManualClock c = clock;
        if (c == null) {
            throw new UnsupportedOperationException("this test context has no clock to sleep on");
        }
        c.advance(duration);
    }

    @Override
    public PublishOutcome publish(Event event, PublishOptions options) {
        throw new UnsupportedOperationException("a test context does not publish");
    }

    @Override
    public ScheduledEvent schedule(Event event, Duration delay, PublishOptions options) {
        throw new UnsupportedOperationException("a test context does not schedule");
    }

    @Override
    public <R> CommandResult<R> execute(Command<R> command, ExecuteOptions options) {
        throw new UnsupportedOperationException("a test context does not execute");
    }

    @Override
    public <R> CommandHandle<R> executeAsync(Command<R> command, ExecuteOptions options) {
        throw new UnsupportedOperationException("a test context does not execute");
    }

    @Override
    public String toString() {
        return "TestContext[" + headers + ", attempt " + attempt + "]";
    }
}
