package org.llmgine.bus.resilience;

import java.time.Duration;
import java.time.InstantSource;
import java.util.Objects;

/**
 * What the builders of keyed strategies share: a name, a clock, a key function and a bound on the
 * keys. Package-private; its public methods are part of each public builder.
 *
 * @param <B> the builder's own type
 */
abstract class KeyedBuilder<B extends KeyedBuilder<B>> {

    String name = "";
    InstantSource clock = InstantSource.system();
    KeyBy keyBy = KeyBy.messageType();
    int maxKeys = 1024;

    KeyedBuilder() {
    }

    abstract B self();

    /**
     * Names the strategy's instances: each is called {@code name/key} instead of just its key.
     *
     * @param name not blank
     * @return this builder
     */
    public B name(String name) {
        Objects.requireNonNull(name, "name");
        if (name.isBlank()) {
            throw new IllegalArgumentException("name must not be blank, but was '" + name + "'");
        }
        this.name = name;
        return self();
    }

    /**
     * Sets the clock (default the system clock): give it the bus's.
     *
     * @param clock the clock
     * @return this builder
     */
    public B clock(InstantSource clock) {
        this.clock = Objects.requireNonNull(clock, "clock");
        return self();
    }

    /**
     * Sets how calls are split between instances (default {@link KeyBy#messageType()}: one per
     * command type).
     *
     * @param keyBy the key function
     * @return this builder
     */
    public B keyBy(KeyBy keyBy) {
        this.keyBy = Objects.requireNonNull(keyBy, "keyBy");
        return self();
    }

    /**
     * Sets the most instances (keys) kept (default 1024); a call with a new key past it fails
     * with a rejection naming the bound.
     *
     * @param maxKeys at least 1
     * @return this builder
     */
    public B maxKeys(int maxKeys) {
        if (maxKeys < 1) {
            throw new IllegalArgumentException("maxKeys must be at least 1, but was " + maxKeys);
        }
        this.maxKeys = maxKeys;
        return self();
    }

    /** Checks a wait bound: not null, not negative; the message names the field and the value. */
    static Duration notNegative(String field, Duration value) {
        Objects.requireNonNull(value, field);
        if (value.isNegative()) {
            throw new IllegalArgumentException(field + " must not be negative, but was " + value);
        }
        return value;
    }

    /** The strategy as error messages name it: {@code kind 'name'}, or {@code kind (unnamed)}. */
    String describe(String kind) {
        return name.isEmpty() ? kind + " (unnamed)" : kind + " '" + name + "'";
    }

    /** The name of the instance of {@code key}. */
    String instanceName(Object key) {
        return name.isEmpty() ? Keyed.name(key) : name + "/" + Keyed.name(key);
    }
}
