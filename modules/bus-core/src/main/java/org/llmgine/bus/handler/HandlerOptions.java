package org.llmgine.bus.handler;

import org.jspecify.annotations.Nullable;

/**
 * Options of an event handler registration: a name for logs and reports, and a priority.
 *
 * <p>Start from {@link #defaults()} and refine: {@code HandlerOptions.named("audit").withPriority(Priority.LOW)}.
 *
 * @param name the handler's name, or null to let the bus derive one from the handler's class
 * @param priority the priority, from {@link Priority#HIGHEST} to {@link Priority#LOWEST}
 */
public record HandlerOptions(@Nullable String name, int priority) {

    private static final HandlerOptions DEFAULTS = new HandlerOptions(null, Priority.NORMAL);

    /**
     * Validates the options.
     *
     * @param name the name or null
     * @param priority the priority
     * @throws IllegalArgumentException if the name is blank or the priority out of range
     */
    public HandlerOptions {
        if (name != null && name.isBlank()) {
            throw new IllegalArgumentException("handler name must not be blank, but was '" + name + "'");
        }
        Priority.check(priority);
    }

    /**
     * Returns the defaults: a derived name and {@link Priority#NORMAL}.
     *
     * @return the default options
     */
    public static HandlerOptions defaults() {
        return DEFAULTS;
    }

    /**
     * Returns default options with a name.
     *
     * @param name the handler's name
     * @return the options
     */
    public static HandlerOptions named(String name) {
        return DEFAULTS.withName(name);
    }

    /**
     * Returns default options with a priority.
     *
     * @param priority the priority
     * @return the options
     */
    public static HandlerOptions priority(int priority) {
        return DEFAULTS.withPriority(priority);
    }

    /**
     * Returns a copy with another name.
     *
     * @param name the name
     * @return the options
     */
    public HandlerOptions withName(String name) {
        return new HandlerOptions(java.util.Objects.requireNonNull(name, "name"), priority);
    }

    /**
     * Returns a copy with another priority.
     *
     * @param priority the priority
     * @return the options
     */
    public HandlerOptions withPriority(int priority) {
        return new HandlerOptions(name, priority);
    }
}
