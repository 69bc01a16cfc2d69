package org.llmgine.bus.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * The handlers registered in one scope: the bus scope or one session.
 *
 * <p>Event handlers are a copy-on-write list, so dispatch reads a consistent snapshot without
 * locking; {@code version} is bumped after every change so cached plans notice. Command handlers
 * are a map from exact class to entry.
 *
 * <p>Concurrency: {@code lock} (shared by a bus's session tables) serializes writers (registration,
 * removal, close) so that
 * check-then-act steps (duplicate command handler, closed scope) are atomic. Readers never take it.
 * Writers update the list before bumping the version; readers read the version before the list, so
 * a plan stamped with a version never misses a change made before that version.
 */
final class ScopeTable {

    private final @Nullable String sessionId;
    private final AtomicInteger registeredCounter;
    private final ReentrantLock lock;
    private volatile List<HandlerEntry> eventHandlers = List.of();
    /** Made on the first command registration (most sessions register none); written under the lock. */
    private volatile @Nullable ConcurrentHashMap<Class<?>, CommandEntry> commandHandlers;
    private volatile long version;
    private boolean closed;

    /**
     * Creates a table whose writers take {@code lock}: the bus scope's own, or one shared by every
     * session table of a bus (registrations are rare and short, and a lock per session would cost
     * every open session its memory).
     */
    ScopeTable(@Nullable String sessionId, AtomicInteger registeredCounter, ReentrantLock lock) {
        this.sessionId = sessionId;
        this.registeredCounter = registeredCounter;
        this.lock = lock;
    }

    long version() {
        return version;
    }

    List<HandlerEntry> eventHandlers() {
        return eventHandlers;
    }

    @Nullable CommandEntry commandHandler(Class<?> type) {
        ConcurrentHashMap<Class<?>, CommandEntry> map = commandHandlers;
        return map == null ? null : map.get(type);
    }

    /**
     * Adds an event handler, or throws {@code closedError} if the scope is closed.
     *
     * @return the entry already registered under the same name (nothing is added), or null if added
     */
    @Nullable HandlerEntry add(HandlerEntry entry, Supplier<RuntimeException> closedError) {
        lock.lock();
        try {
            if (closed) {
                throw closedError.get();
            }
            for (HandlerEntry existing : eventHandlers) {
                if (existing.info.name().equals(entry.info.name())) {
                    return existing;
                }
            }
            var copy = new ArrayList<>(eventHandlers);
            copy.add(entry);
            eventHandlers = List.copyOf(copy);
            version++;
            registeredCounter.incrementAndGet();
            return null;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Adds a command handler, or throws {@code closedError} if the scope is closed.
     *
     * @return null if added, else the entry already registered for the class (nothing is added)
     */
    @Nullable CommandEntry add(CommandEntry entry, Supplier<RuntimeException> closedError) {
        lock.lock();
        try {
            if (closed) {
                throw closedError.get();
            }
            ConcurrentHashMap<Class<?>, CommandEntry> map = commandHandlers;
            if (map == null) {
                map = new ConcurrentHashMap<>(4);
                commandHandlers = map;
            }
            CommandEntry existing = map.putIfAbsent(entry.type, entry);
            if (existing != null) {
                return existing;
            }
            registeredCounter.incrementAndGet();
            return null;
        } finally {
            lock.unlock();
        }
    }

    void remove(HandlerEntry entry) {
        lock.lock();
        try {
            if (!entry.active) {
                return;
            }
            entry.active = false;
            var copy = new ArrayList<>(eventHandlers);
            copy.remove(entry);
            eventHandlers = List.copyOf(copy);
            version++;
            registeredCounter.decrementAndGet();
        } finally {
            lock.unlock();
        }
    }

    void remove(CommandEntry entry) {
        lock.lock();
        try {
            if (!entry.active) {
                return;
            }
            entry.active = false;
            ConcurrentHashMap<Class<?>, CommandEntry> map = commandHandlers;
            if (map != null) {
                map.remove(entry.type, entry);
            }
            registeredCounter.decrementAndGet();
        } finally {
            lock.unlock();
        }
    }

    /** Removes every handler at once and refuses later registrations. Idempotent. */
    void closeAll() {
        lock.lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            ConcurrentHashMap<Class<?>, CommandEntry> map = commandHandlers;
            int removed = eventHandlers.size() + (map == null ? 0 : map.size());
            eventHandlers.forEach(entry -> entry.active = false);
            if (map != null) {
                map.values().forEach(entry -> entry.active = false);
                map.clear();
            }
            eventHandlers = List.of();
            version++;
            registeredCounter.addAndGet(-removed);
        } finally {
            lock.unlock();
        }
    }

    String describe() {
        return sessionId == null ? "the bus scope" : "session '" + sessionId + "'";
    }
}
