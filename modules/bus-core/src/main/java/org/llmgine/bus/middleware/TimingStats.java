package org.llmgine.bus.middleware;

import java.time.Duration;

/**
 * Durations recorded by {@link TimingMiddleware} for one message type.
 *
 * @param count how many executions or invocations were timed (failures included)
 * @param total their summed duration
 * @param min the shortest
 * @param max the longest
 */
public record TimingStats(long count, Duration total, Duration min, Duration max) {

    /**
     * Returns the mean duration.
     *
     * @return total divided by count, or zero when nothing was timed
     */
    public Duration mean() {
        return count == 0 ? Duration.ZERO : total.dividedBy(count);
    }
}
