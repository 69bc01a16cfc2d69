package org.llmgine.bus;

import java.util.Objects;
import org.llmgine.bus.handler.Priority;
import org.llmgine.bus.message.Headers;

/**
 * How an event is published: the headers that travel with it and its priority, both readable by
 * handlers from their {@link org.llmgine.bus.handler.EventContext}.
 *
 * <p>The priority uses the scale of {@link Priority}, from {@link Priority#HIGHEST} (0) to
 * {@link Priority#LOWEST} (100), {@link Priority#NORMAL} by default. It is envelope metadata: the
 * queue dispatches in acceptance order whatever the priority. Start from {@link #defaults()}:
 * {@code PublishOptions.defaults().withHeader("trace", id).withPriority(Priority.HIGH)}.
 *
 * @param headers the headers
 * @param priority the event's priority
 */
public record PublishOptions(Headers headers, int priority) {

    private static final PublishOptions DEFAULTS = new PublishOptions(Headers.empty(), Priority.NORMAL);

    /**
     * Validates the options.
     *
     * @param headers the headers
     * @param priority the priority, from {@link Priority#HIGHEST} to {@link Priority#LOWEST}
     * @throws IllegalArgumentException if the priority is out of range
     */
    public PublishOptions {
        Objects.requireNonNull(headers, "headers");
        Priority.check(priority);
    }

    /**
     * Returns the defaults: no headers, {@link Priority#NORMAL}.
     *
     * @return the default options
     */
    public static PublishOptions defaults() {
        return DEFAULTS;
    }

    /**
     * Returns default options with these headers.
     *
     * @param headers the headers
     * @return the options
     */
    public static PublishOptions ofHeaders(Headers headers) {
        return new PublishOptions(headers, Priority.NORMAL);
    }

    /**
     * Returns a copy with one more header.
     *
     * @param key the header key, not blank
     * @param value the value
     * @return the options
     */
    public PublishOptions withHeader(String key, String value) {
        return new PublishOptions(headers.with(key, value), priority);
    }

    /**
     * Returns a copy with another priority.
     *
     * @param priority the priority
     * @return the options
     */
    public PublishOptions withPriority(int priority) {
        return new PublishOptions(headers, priority);
    }
}
