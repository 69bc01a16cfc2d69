package org.llmgine.bus.benchmarks.peer;

import java.util.Objects;

/**
 * What a system is created for: how many threads publish, how many handlers each event reaches,
 * how many sessions (the bus only) and the handler.
 *
 * @param publishers how many threads will publish, at least 1 (the Disruptor picks its producer
 *     type from it)
 * @param handlers how many handlers of one priority every event reaches, at least 1; each is
 *     {@code handler}
 * @param sessions 1 for the bus scope, or the number of bus sessions publishers round-robin over;
 *     peers support only 1
 * @param handler the handler, registered {@code handlers} times
 */
public record Setup(int publishers, int handlers, int sessions, TickHandler handler) {

    /** The queue or ring capacity of every system: {@value}. */
    public static final int CAPACITY = 8192;

    /**
     * Validates the setup.
     *
     * @param publishers at least 1
     * @param handlers at least 1
     * @param sessions at least 1
     * @param handler the handler
     * @throws IllegalArgumentException naming the field and value when a count is below 1
     */
    public Setup {
        Objects.requireNonNull(handler, "handler");
        if (publishers < 1 || handlers < 1 || sessions < 1) {
            throw new IllegalArgumentException("publishers, handlers and sessions must be at least 1, but were "
                    + publishers + ", " + handlers + " and " + sessions);
        }
    }
}
