package org.llmgine.bus.bridge;

import java.util.Objects;
import java.util.function.Predicate;
import org.jspecify.annotations.Nullable;
import org.llmgine.bus.message.Event;
import org.llmgine.bus.message.LifecycleEvent;

/**
 * Which events leave the bus through a bridge, and where to: events of a type (and its subtypes),
 * optionally only those a condition accepts, sent to a topic under a key (the session id by
 * default, so a session's events keep their order across JVMs; bus-scope events have no key).
 * Lifecycle events leave only if a route names their type. Events that came in through a bridge
 * never leave again (no echo between bridged buses).
 *
 * <pre>{@code
 * Route.of(AnswerReady.class, "chat-events")
 * Route.of(ToolCalled.class, "audit").when(e -> ((ToolCalled) e).risky())
 * Route.annotated(Event.class)          // every event class marked @Externalized(topic = ...)
 * }</pre>
 */
public final class Route {

    /** The key of a record: from the event and the session it was published in. */
    @FunctionalInterface
    public interface KeyFunction {

        /**
         * Returns the record's key.
         *
         * @param event the event
         * @param sessionId its session, or null for the bus scope
         * @return the key, or null for none
         */
        @Nullable String key(Event event, @Nullable String sessionId);
    }

    private final Class<? extends Event> type;
    private final @Nullable String topic;
    private final Predicate<? super Event> condition;
    private final KeyFunction key;

    private Route(Class<? extends Event> type, @Nullable String topic, Predicate<? super Event> condition, KeyFunction key) {
        this.type = type;
        this.topic = topic;
        this.condition = condition;
        this.key = key;
    }

    /**
     * Sends events of {@code type} (and its subtypes) to {@code topic}, keyed by session id.
     *
     * @param type the event type
     * @param topic the topic, not blank
     * @return the route
     */
    public static Route of(Class<? extends Event> type, String topic) {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(topic, "topic");
        if (topic.isBlank()) {
            throw new IllegalArgumentException("the topic of the route of " + type.getName() + " must not be blank");
        }
        return new Route(type, topic, e -> true, (e, session) -> session);
    }

    /**
     * Sends events of {@code base} (and its subtypes) whose class is marked {@link Externalized} to
     * the topic it names, keyed by session id; unmarked ones stay.
     *
     * @param base the type the route listens to, {@code Event.class} for every event
     * @return the route
     */
    public static Route annotated(Class<? extends Event> base) {
        Objects.requireNonNull(base, "base");
        return new Route(base, null, e -> true, (e, session) -> session);
    }

    /**
     * Sends only the events {@code condition} accepts.
     *
     * @param condition the condition
     * @return a new route
     */
    public Route when(Predicate<? super Event> condition) {
        Objects.requireNonNull(condition, "condition");
        return new Route(type, topic, condition, key);
    }

    /**
     * Keys the records by {@code key} instead of the session id.
     *
     * @param key the key function
     * @return a new route
     */
    public Route keyedBy(KeyFunction key) {
        Objects.requireNonNull(key, "key");
        return new Route(type, topic, condition, key);
    }

    /**
     * Returns the type the route listens to.
     *
     * @return the type
     */
    public Class<? extends Event> type() {
        return type;
    }

    /**
     * Returns where an event goes, or null if this route does not send it.
     *
     * @param event an event of the route's type
     * @return the topic, or null
     */
    public @Nullable String topicOf(Event event) {
        if (!type.isInstance(event) || (event instanceof LifecycleEvent && !LifecycleEvent.class.isAssignableFrom(type))
                || !condition.test(event)) {
            return null;
        }
        if (topic != null) {
            return topic;
        }
        Externalized marked = event.getClass().getAnnotation(Externalized.class);
        return marked == null || marked.topic().isBlank() ? null : marked.topic();
    }

    /**
     * Returns the key of an event's record.
     *
     * @param event the event
     * @param sessionId its session, or null
     * @return the key, or null
     */
    public @Nullable String keyOf(Event event, @Nullable String sessionId) {
        return key.key(event, sessionId);
    }

    @Override
    public String toString() {
        return "Route[" + type.getSimpleName() + " -> " + (topic == null ? "@Externalized" : topic) + "]";
    }
}
