package org.llmgine.bus.bridge;

import java.util.Objects;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * What a bridge consumes and how: {@link #broadcast} (every instance gets every record: audit, UI
 * notifications; an instance skips the records it sent itself) or {@link #competing} (the
 * instances of one group share the records, a session's records going to one instance at a time,
 * in order: work spread over a pool).
 *
 * @param topics the topics, at least one
 * @param group the consumer group of competing consumers; null for broadcast (a group of this
 *     instance alone)
 */
public record Consume(Set<String> topics, @Nullable String group) {

    /**
     * Validates.
     *
     * @param topics at least one, none blank
     * @param group the group, not blank, or null
     */
    public Consume {
        topics = Set.copyOf(topics);
        if (topics.isEmpty()) {
            throw new IllegalArgumentException("a bridge must consume at least one topic");
        }
        for (String topic : topics) {
            if (topic.isBlank()) {
                throw new IllegalArgumentException("a consumed topic must not be blank, but was '" + topic + "'");
            }
        }
        if (group != null && group.isBlank()) {
            throw new IllegalArgumentException("a competing consumers' group must not be blank");
        }
    }

    /**
     * Every instance gets every record of the topics.
     *
     * @param topics the topics
     * @return the spec
     */
    public static Consume broadcast(String... topics) {
        return new Consume(Set.of(topics), null);
    }

    /**
     * The instances of {@code group} share the records of the topics.
     *
     * @param group the group
     * @param topics the topics
     * @return the spec
     */
    public static Consume competing(String group, String... topics) {
        return new Consume(Set.of(topics), Objects.requireNonNull(group, "group"));
    }

    /**
     * Tells whether every instance gets every record.
     *
     * @return true for broadcast
     */
    public boolean isBroadcast() {
        return group == null;
    }
}
