package org.llmgine.bus.handler;

/**
 * Named handler priorities. A lower number runs earlier; handlers with equal priority form one
 * group that runs concurrently, and each group finishes before the next one starts. Any value from
 * {@link #HIGHEST} to {@link #LOWEST} is allowed.
 */
public final class Priority {

    /** Runs first: 0. */
    public static final int HIGHEST = 0;
    /** Runs early: 10. */
    public static final int HIGH = 10;
    /** The default: 50. */
    public static final int NORMAL = 50;
    /** Runs late: 90. */
    public static final int LOW = 90;
    /** Runs last: 100. */
    public static final int LOWEST = 100;

    private Priority() {
    }

    /**
     * Checks that a priority lies in the allowed range.
     *
     * @param priority the value to check
     * @return {@code priority}
     * @throws IllegalArgumentException if it is below {@link #HIGHEST} or above {@link #LOWEST}
     */
    public static int check(int priority) {
        if (priority < HIGHEST || priority > LOWEST) {
            throw new IllegalArgumentException("priority must be between " + HIGHEST + " and " + LOWEST
                    + ", but was " + priority);
        }
        return priority;
    }
}
