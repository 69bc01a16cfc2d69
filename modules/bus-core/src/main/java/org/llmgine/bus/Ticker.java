package org.llmgine.bus;

/**
 * A monotonic source of nanoseconds for measuring durations; injectable so tests control time.
 *
 * <p>Only differences between two readings are meaningful, as with {@link System#nanoTime()}.
 */
@FunctionalInterface
public interface Ticker {

    /**
     * Returns the ticker backed by {@link System#nanoTime()}.
     *
     * @return the system ticker
     */
    static Ticker system() {
        return System::nanoTime;
    }

    /**
     * Returns the current reading in nanoseconds.
     *
     * @return nanoseconds since an arbitrary origin
     */
    long read();
}
