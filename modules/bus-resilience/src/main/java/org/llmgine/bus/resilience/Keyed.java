package org.llmgine.bus.resilience;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;
import org.llmgine.bus.message.FailureCause;

/**
 * One instance per key, made on first use and kept, up to a bound: the registry behind every keyed
 * strategy. The bound keeps a key taken from a header (a value the caller controls) from growing
 * the map without end; past it {@link #get} returns null and the strategy fails the call with a
 * typed rejection naming the bound.
 */
final class Keyed<T> {

    private final ConcurrentHashMap<Object, T> byKey = new ConcurrentHashMap<>();
    private final String owner;
    private final String noun;
    private final Function<Object, T> factory;
    private final int maxKeys;
    private final ReentrantLock creating = new ReentrantLock();
    private final Listeners<T> created;

    /**
     * Makes an empty registry. {@code owner} is the strategy as messages name it ("circuit breakers
     * 'llm'"), {@code noun} one instance ("breaker"), for the refusal past the bound.
     */
    Keyed(String owner, String noun, Function<Object, T> factory, int maxKeys) {
        this.owner = owner;
        this.noun = noun;
        this.factory = factory;
        this.maxKeys = maxKeys;
        this.created = new Listeners<>("creation listener of " + owner);
    }

    /** The instance of {@code key}, made now if new; null if the key is new and the bound is reached. */
    @Nullable T get(@Nullable Object key) {
        if (key == null) {
            throw new NullPointerException("the key function of " + owner + " returned null");
        }
        T existing = byKey.get(key);
        if (existing != null) {
            return existing;
        }
        creating.lock();
        try { // rare (a key's first call): under a lock so that concurrent new keys never pass the bound
            existing = byKey.get(key);
            if (existing != null) {
                return existing;
            }
            if (byKey.size() >= maxKeys) {
                return null;
            }
            T made = factory.apply(key);
            byKey.put(key, made);
            created.tell(made);
            return made;
        } finally {
            creating.unlock();
        }
    }

    /** The instance of {@code key} if it exists. */
    @Nullable T find(Object key) {
        return byKey.get(key);
    }

    /** A snapshot of the instances by key. */
    Map<Object, T> all() {
        return Map.copyOf(byKey);
    }

    /** Registers a listener of every instance made from now on; it runs on the key's first call's thread. */
    Runnable onCreate(Consumer<T> listener) {
        return created.add(listener);
    }

    /** The failure of a call with a new key past the bound. */
    FailureCause.Rejected refusal(Object key) {
        return new FailureCause.Rejected(owner + " hold " + maxKeys + " keys, the most they may; no " + noun
                + " for key " + name(key));
    }

    /** A snapshot of the instances by their names. */
    Map<String, T> byName(Function<T, String> name) {
        Map<String, T> named = new LinkedHashMap<>();
        byKey.values().forEach(instance -> named.put(name.apply(instance), instance));
        return named;
    }

    /** The key as text: a class by its simple name, anything else by {@code toString}. */
    static String name(Object key) {
        return key instanceof Class<?> type ? type.getSimpleName() : key.toString();
    }
}
