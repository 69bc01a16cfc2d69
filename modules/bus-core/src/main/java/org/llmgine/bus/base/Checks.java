package org.llmgine.bus.base;

import java.time.Duration;
import java.util.Objects;

/**
 * Argument checks shared by the API and the implementation, so every message has the same shape:
 * the field, what was expected, and the value ("queueCapacity must be positive, but was -3").
 * Public only so the API package can use it; the package is not exported.
 */
public final class Checks {

    private Checks() {
    }

    /**
     * Checks that a string is neither null nor blank.
     *
     * @param field the name used in the message
     * @param value the value
     * @return {@code value}
     */
    public static String notBlank(String field, String value) {
        Objects.requireNonNull(value, field);
        if (value.isBlank()) {
            throw new IllegalArgumentException(field + " must not be blank, but was '" + value + "'");
        }
        return value;
    }

    /**
     * Checks that a number is positive.
     *
     * @param field the name used in the message
     * @param value the value
     * @return {@code value}
     */
    public static int positive(String field, int value) {
        if (value <= 0) {
            throw new IllegalArgumentException(field + " must be positive, but was " + value);
        }
        return value;
    }

    /**
     * Checks that a number is not negative.
     *
     * @param field the name used in the message
     * @param value the value
     * @return {@code value}
     */
    public static int notNegative(String field, int value) {
        if (value < 0) {
            throw new IllegalArgumentException(field + " must not be negative, but was " + value);
        }
        return value;
    }

    /**
     * Checks that a duration is neither null nor negative.
     *
     * @param field the name used in the message
     * @param value the value
     * @return {@code value}
     */
    public static Duration notNegative(String field, Duration value) {
        Objects.requireNonNull(value, field);
        if (value.isNegative()) {
            throw new IllegalArgumentException(field + " must not be negative, but was " + value);
        }
        return value;
    }
}
