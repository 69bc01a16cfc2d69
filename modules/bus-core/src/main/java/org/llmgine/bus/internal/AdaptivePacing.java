package org.llmgine.bus.internal;

/**
 * The pause ADAPTIVE imposes on a publish, as a pure function of how full the queue is: nothing at
 * or below the low mark, the full maximum at or above the high mark, and in between a share
 * proportional to how far the queue is past the low mark. As the queue drains the pause shrinks
 * with it, so the slowdown decays by itself.
 */
final class AdaptivePacing {

    private AdaptivePacing() {
    }

    /**
     * Returns the pause for a publish.
     *
     * @param size accepted, unfinished events now
     * @param lowMark the low water mark in events
     * @param highMark the high water mark in events, above {@code lowMark}
     * @param maxNanos the longest pause
     * @return the pause in nanoseconds, from 0 to {@code maxNanos}
     */
    static long delayNanos(int size, int lowMark, int highMark, long maxNanos) {
        if (size <= lowMark) {
            return 0L;
        }
        if (size >= highMark) {
            return maxNanos;
        }
        // maxNanos * past / span, split so the product cannot overflow for any Duration-sized maximum
        long span = highMark - lowMark;
        long past = size - lowMark;
        return maxNanos / span * past + maxNanos % span * past / span;
    }
}
