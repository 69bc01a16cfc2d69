package org.llmgine.bus.filter;

import java.util.Objects;
import org.jspecify.annotations.Nullable;
import org.llmgine.bus.message.Event;
import org.llmgine.bus.message.Headers;

/**
 * Decides at publish time whether an event enters the bus.
 */
@FunctionalInterface
public interface EventFilter {

    /**
     * Tells whether the event may enter the bus.
     *
     * @param event the event being published
     * @param sessionId its session, or null for the bus scope
     * @param headers its headers
     * @return true to let it through, false to decline it
     */
    boolean accept(Event event, @Nullable String sessionId, Headers headers);

    /**
     * Returns the filter's name, reported in {@link org.llmgine.bus.PublishOutcome.Filtered}.
     *
     * @return the name; by default the class's simple name, or {@code "filter"} for a lambda
     */
    default String name() {
        Class<?> type = getClass();
        return type.isHidden() || type.isAnonymousClass() ? "filter" : type.getSimpleName();
    }

    /**
     * Gives a filter a name.
     *
     * @param name the name
     * @param filter the filter
     * @return a filter that delegates to {@code filter} and reports {@code name}
     */
    static EventFilter named(String name, EventFilter filter) {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(filter, "filter");
        if (name.isBlank()) {
            throw new IllegalArgumentException("filter name must not be blank, but was '" + name + "'");
        }
        return new EventFilter() {
            @Override
            public boolean accept(Event event, @Nullable String sessionId, Headers headers) {
                return filter.accept(event, sessionId, headers);
            }

            @Override
            public String name() {
                return name;
            }

            @Override
            public String toString() {
                return name;
            }
        };
    }
}
