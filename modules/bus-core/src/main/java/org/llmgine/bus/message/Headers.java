package org.llmgine.bus.message;

import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;

/**
 * A small immutable map of string headers that travels beside a message (trace ids, tenant, model
 * name), so metadata never has to be added to user records.
 *
 * <p>Keys and values are non-null and non-blank keys are required. Instances are immutable; every
 * {@code with} returns a new instance. {@link #empty()} is a shared constant.
 */
public final class Headers {

    private static final Headers EMPTY = new Headers(Map.of());

    private final Map<String, String> values;

    private Headers(Map<String, String> values) {
        this.values = values;
    }

    /**
     * Returns the empty headers.
     *
     * @return headers with no entries
     */
    public static Headers empty() {
        return EMPTY;
    }

    /**
     * Creates headers with one entry.
     *
     * @param key the key, not blank
     * @param value the value
     * @return the headers
     * @throws IllegalArgumentException if {@code key} is blank
     */
    public static Headers of(String key, String value) {
        return EMPTY.with(key, value);
    }

    /**
     * Creates headers holding a copy of {@code entries}.
     *
     * @param entries the entries; keys must not be blank
     * @return the headers
     * @throws IllegalArgumentException if a key is blank
     * @throws NullPointerException if a key or value is null
     */
    public static Headers copyOf(Map<String, String> entries) {
        Objects.requireNonNull(entries, "entries");
        if (entries.isEmpty()) {
            return EMPTY;
        }
        entries.forEach((key, value) -> {
            checkKey(key);
            Objects.requireNonNull(value, () -> "header '" + key + "' has a null value");
        });
        return new Headers(Map.copyOf(entries));
    }

    /**
     * Returns a copy of these headers with {@code key} set to {@code value}.
     *
     * @param key the key, not blank
     * @param value the value
     * @return new headers; this instance is unchanged
     * @throws IllegalArgumentException if {@code key} is blank
     */
    public Headers with(String key, String value) {
        checkKey(key);
        Objects.requireNonNull(value, () -> "header '" + key + "' has a null value");
        var copy = new TreeMap<>(values);
        copy.put(key, value);
        return new Headers(Map.copyOf(copy));
    }

    /**
     * Returns a copy of these headers with every entry of {@code more} added (its values win).
     *
     * @param more the headers to add
     * @return new headers, or this instance when {@code more} is empty
     */
    public Headers withAll(Headers more) {
        Objects.requireNonNull(more, "more");
        if (more.isEmpty()) {
            return this;
        }
        if (isEmpty()) {
            return more;
        }
        var copy = new TreeMap<>(values);
        copy.putAll(more.values);
        return new Headers(Map.copyOf(copy));
    }

    /**
     * Returns the value of a header.
     *
     * @param key the key
     * @return the value, or empty if the header is absent
     */
    public Optional<String> get(String key) {
        return Optional.ofNullable(values.get(Objects.requireNonNull(key, "key")));
    }

    /**
     * Returns the headers as an unmodifiable map.
     *
     * @return the entries
     */
    public Map<String, String> asMap() {
        return values;
    }

    /**
     * Tells whether there are no headers.
     *
     * @return true if empty
     */
    public boolean isEmpty() {
        return values.isEmpty();
    }

    private static void checkKey(String key) {
        Objects.requireNonNull(key, "key");
        if (key.isBlank()) {
            throw new IllegalArgumentException("header key must not be blank, but was '" + key + "'");
        }
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof Headers headers && values.equals(headers.values);
    }

    @Override
    public int hashCode() {
        return values.hashCode();
    }

    @Override
    public String toString() {
        return "Headers" + new TreeMap<>(values);
    }
}
