package org.llmgine.bus.filter;

import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.function.Predicate;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.llmgine.bus.message.Event;

/**
 * Factories of the common event filters. Each returned filter has a descriptive
 * {@link EventFilter#name() name}, is immutable and thread-safe.
 */
public final class Filters {

    private Filters() {
    }

    /**
     * Lets through only events whose exact class is one of {@code types}.
     *
     * @param types the accepted event classes, at least one
     * @return the filter
     */
    public static EventFilter types(Class<?>... types) {
        Set<Class<?>> set = classes("types", types);
        return EventFilter.named("types" + names(set), (event, session, headers) -> set.contains(event.getClass()));
    }

    /**
     * Lets through only events that are instances of one of {@code types} (subtypes included).
     *
     * @param types the accepted classes or interfaces, at least one
     * @return the filter
     */
    public static EventFilter typesOrSubtypes(Class<?>... types) {
        Set<Class<?>> set = classes("typesOrSubtypes", types);
        return EventFilter.named("typesOrSubtypes" + names(set), (event, session, headers) -> {
            for (Class<?> type : set) {
                if (type.isInstance(event)) {
                    return true;
                }
            }
            return false;
        });
    }

    /**
     * Declines events whose exact class is one of {@code types}.
     *
     * @param types the declined classes, at least one
     * @return the filter
     */
    public static EventFilter excludeTypes(Class<?>... types) {
        Set<Class<?>> set = classes("excludeTypes", types);
        return EventFilter.named("excludeTypes" + names(set), (event, session, headers) -> !set.contains(event.getClass()));
    }

    /**
     * Lets through only events of the given sessions; bus-scope events are declined.
     *
     * @param sessionIds the accepted session ids, at least one
     * @return the filter
     */
    public static EventFilter sessions(String... sessionIds) {
        Set<String> set = strings("sessions", sessionIds);
        return EventFilter.named("sessions" + set, (event, session, headers) -> session != null && set.contains(session));
    }

    /**
     * Declines events of the given sessions; bus-scope events pass.
     *
     * @param sessionIds the declined session ids, at least one
     * @return the filter
     */
    public static EventFilter excludeSessions(String... sessionIds) {
        Set<String> set = strings("excludeSessions", sessionIds);
        return EventFilter.named("excludeSessions" + set,
                (event, session, headers) -> session == null || !set.contains(session));
    }

    /**
     * Lets through only events whose simple class name contains a match of {@code pattern}.
     *
     * @param pattern the pattern, searched with {@link java.util.regex.Matcher#find()}
     * @return the filter
     */
    public static EventFilter namePattern(Pattern pattern) {
        Objects.requireNonNull(pattern, "pattern");
        return EventFilter.named("namePattern(" + pattern + ")",
                (event, session, headers) -> pattern.matcher(event.getClass().getSimpleName()).find());
    }

    /**
     * Declines events whose simple class name contains a match of {@code pattern}.
     *
     * @param pattern the pattern
     * @return the filter
     */
    public static EventFilter excludeNamePattern(Pattern pattern) {
        Objects.requireNonNull(pattern, "pattern");
        return EventFilter.named("excludeNamePattern(" + pattern + ")",
                (event, session, headers) -> !pattern.matcher(event.getClass().getSimpleName()).find());
    }

    /**
     * Lets through only events that carry header {@code key} with a value matching
     * {@code predicate}; events without the header are declined.
     *
     * @param key the header key
     * @param predicate the test of its value
     * @return the filter
     */
    public static EventFilter header(String key, Predicate<String> predicate) {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(predicate, "predicate");
        return EventFilter.named("header(" + key + ")",
                (event, session, headers) -> headers.get(key).filter(predicate).isPresent());
    }

    /**
     * Lets through only events whose header {@code key} equals {@code value}.
     *
     * @param key the header key
     * @param value the required value
     * @return the filter
     */
    public static EventFilter headerEquals(String key, String value) {
        Objects.requireNonNull(value, "value");
        return EventFilter.named("header(" + key + "=" + value + ")", header(key, value::equals)::accept);
    }

    /**
     * Lets through events every filter accepts; stops at the first that declines, so later
     * filters (a rate limiter, say) are not consulted for a declined event.
     *
     * @param filters the filters, at least one
     * @return the filter
     */
    public static EventFilter allOf(EventFilter... filters) {
        List<EventFilter> list = filters("allOf", filters);
        return EventFilter.named("allOf" + list.stream().map(EventFilter::name).toList(), (event, session, headers) -> {
            for (EventFilter filter : list) {
                if (!filter.accept(event, session, headers)) {
                    return false;
                }
            }
            return true;
        });
    }

    /**
     * Lets through events at least one filter accepts; stops at the first that accepts.
     *
     * @param filters the filters, at least one
     * @return the filter
     */
    public static EventFilter anyOf(EventFilter... filters) {
        List<EventFilter> list = filters("anyOf", filters);
        return EventFilter.named("anyOf" + list.stream().map(EventFilter::name).toList(), (event, session, headers) -> {
            for (EventFilter filter : list) {
                if (filter.accept(event, session, headers)) {
                    return true;
                }
            }
            return false;
        });
    }

    /**
     * Inverts a filter.
     *
     * @param filter the filter
     * @return a filter that accepts what {@code filter} declines
     */
    public static EventFilter not(EventFilter filter) {
        Objects.requireNonNull(filter, "filter");
        return EventFilter.named("not(" + filter.name() + ")",
                (event, session, headers) -> !filter.accept(event, session, headers));
    }

    private static Set<Class<?>> classes(String factory, Class<?>[] types) {
        Objects.requireNonNull(types, "types");
        if (types.length == 0) {
            throw new IllegalArgumentException(factory + " needs at least one type, but got none");
        }
        for (int i = 0; i < types.length; i++) {
            Objects.requireNonNull(types[i], "types[" + i + "]");
            if (!Event.class.isAssignableFrom(types[i])) {
                throw new IllegalArgumentException(factory + " accepts event types only, but types[" + i + "] was "
                        + types[i].getName());
            }
        }
        return Set.copyOf(List.of(types));
    }

    private static Set<String> strings(String factory, String[] values) {
        Objects.requireNonNull(values, "sessionIds");
        if (values.length == 0) {
            throw new IllegalArgumentException(factory + " needs at least one session id, but got none");
        }
        for (int i = 0; i < values.length; i++) {
            Objects.requireNonNull(values[i], "sessionIds[" + i + "]");
        }
        return Set.copyOf(List.of(values));
    }

    private static List<EventFilter> filters(String factory, EventFilter[] filters) {
        Objects.requireNonNull(filters, "filters");
        if (filters.length == 0) {
            throw new IllegalArgumentException(factory + " needs at least one filter, but got none");
        }
        for (int i = 0; i < filters.length; i++) {
            Objects.requireNonNull(filters[i], "filters[" + i + "]");
        }
        return List.of(filters);
    }

    private static String names(Set<Class<?>> types) {
        return types.stream().map(Class::getSimpleName).sorted().collect(Collectors.joining(", ", "[", "]"));
    }
}
