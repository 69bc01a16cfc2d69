package org.llmgine.bus;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import org.jspecify.annotations.Nullable;
import org.llmgine.bus.handler.Priority;
import org.llmgine.bus.base.Checks;
import org.llmgine.bus.message.Headers;

/**
 * How a command is executed: the headers its context carries (a trace id from an HTTP request
 * starts here), the deadline, and a priority that the handler and middleware read from the
 * context. Immutable; start from {@link #defaults()} and chain the {@code with} methods.
 *
 * <pre>{@code
 * session.execute(new AskModel(prompt), ExecuteOptions.defaults()
 *         .withHeader("trace-id", traceId)
 *         .withTimeout(Duration.ofSeconds(30)));
 * }</pre>
 *
 * @param headers the headers of the command's context
 * @param timeout the deadline, or null for none: when it elapses the handler is interrupted and the
 *     result is {@code TimedOut}; {@link Duration#ZERO} fails at once without running the handler
 * @param priority metadata for handlers and middleware (0-100, default {@link Priority#NORMAL});
 *     a command never waits in a queue, so it does not change when the command runs
 */
public record ExecuteOptions(Headers headers, @Nullable Duration timeout, int priority) {

    private static final ExecuteOptions DEFAULTS = new ExecuteOptions(Headers.empty(), null, Priority.NORMAL);

    /**
     * Validates the options.
     *
     * @param headers the headers
     * @param timeout the deadline or null
     * @param priority the priority
     * @throws IllegalArgumentException if the timeout is negative or the priority is out of range
     */
    public ExecuteOptions {
        Objects.requireNonNull(headers, "headers");
        if (timeout != null) {
            Checks.notNegative("timeout", timeout);
        }
        Priority.check(priority);
    }

    /**
     * Returns the options with no headers, no deadline and the normal priority.
     *
     * @return the defaults
     */
    public static ExecuteOptions defaults() {
        return DEFAULTS;
    }

    /**
     * Returns these options with a deadline.
     *
     * @param timeout not negative
     * @return new options
     */
    public ExecuteOptions withTimeout(Duration timeout) {
        return new ExecuteOptions(headers, Objects.requireNonNull(timeout, "timeout"), priority);
    }

    /**
     * Returns these options with the given headers.
     *
     * @param headers the headers
     * @return new options
     */
    public ExecuteOptions withHeaders(Headers headers) {
        return new ExecuteOptions(headers, timeout, priority);
    }

    /**
     * Returns these options with one more header.
     *
     * @param key the key, not blank
     * @param value the value
     * @return new options
     */
    public ExecuteOptions withHeader(String key, String value) {
        return new ExecuteOptions(headers.with(key, value), timeout, priority);
    }

    /**
     * Returns these options with a priority.
     *
     * @param priority 0-100
     * @return new options
     */
    public ExecuteOptions withPriority(int priority) {
        return new ExecuteOptions(headers, timeout, priority);
    }

    /**
     * Returns the deadline.
     *
     * @return the timeout, or empty for none
     */
    public Optional<Duration> deadline() {
        return Optional.ofNullable(timeout);
    }
}
