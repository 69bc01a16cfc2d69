package org.llmgine.bus.handler;

import java.util.Objects;
import java.util.function.Predicate;
import org.jspecify.annotations.Nullable;
import org.llmgine.bus.message.Event;

/**
 * Options of an event handler registration: a name for logs and reports, a priority, and a
 * condition.
 *
 * <p>Start from {@link #defaults()} and refine:
 * {@code HandlerOptions.named("audit").withPriority(Priority.LOW)}, or with a per-subscription
 * condition, {@code HandlerOptions.named("long-answers").<AnswerReady>when(a -> a.text().length() > 1000)}.
 *
 * <p>The condition is tested on the handler's thread just before the handler would run, after the
 * bus-wide filters admitted the event: an event it declines is simply not handled by this
 * handler (not counted as a failure or an invocation); a condition that throws counts as a
 * failure of this handler.
 *
 * @param name the handler's name, unique among the event handlers of its scope, or null to let the
 *     bus derive one from the handler's class
 * @param priority the priority, from {@link Priority#HIGHEST} to {@link Priority#LOWEST}
 * @param condition which events of the subscribed type this handler takes, or null for all
 */
public record HandlerOptions(@Nullable String name, int priority, @Nullable Predicate<? super Event> condition) {

    private static final HandlerOptions DEFAULTS = new HandlerOptions(null, Priority.NORMAL, null);

    /**
     * Validates the options.
     *
     * @param name the name or null
     * @param priority the priority
     * @param condition the condition or null
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
        return new HandlerOptions(Objects.requireNonNull(name, "name"), priority, condition);
    }

    /**
     * Returns a copy with another priority.
     *
     * @param priority the priority
     * @return the options
     */
    public HandlerOptions withPriority(int priority) {
        return new HandlerOptions(name, priority, condition);
    }

    /**
     * Returns a copy with a condition on the subscribed events: the handler takes only events for
     * which it is true. Name the event type when the lambda alone does not:
     * {@code options.<TokenStreamed>when(t -> !t.token().isBlank())}.
     *
     * @param condition the condition, applied to events of the subscribed type
     * @param <E> the subscribed event type
     * @return the options
     */
    @SuppressWarnings("unchecked") // the bus only tests the condition on events of the subscribed type
    public <E extends Event> HandlerOptions when(Predicate<? super E> condition) {
        Objects.requireNonNull(condition, "condition");
        return new HandlerOptions(name, priority, (Predicate<? super Event>) (Predicate<?>) condition);
    }
}
