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
 * <p>Concurrency: {@code lock} serializes writers (registration, removal, close) so that
 * check-then-act steps (duplicate command handler, closed scope) are atomic. Readers never take it.
 * Writers update the list before bumping the version; readers read the version before the list, so
 * a plan stamped with a version never misses a change made before that version.
 */
final class ScopeTable {

    private final @Nullable String sessionId;
    private final AtomicInteger registeredCounter;
    private final ReentrantLock lock = new ReentrantLock();
    private volatile List<HandlerEntry> eventHandlers = List.of();
    private final ConcurrentHashMap<Class<?>, CommandEntry> commandHandlers = new ConcurrentHashMap<>();
    private volatile long version;
    private boolean closed;

    ScopeTable(@Nullable String sessionId, AtomicInteger registeredCounter) {
        this.sessionId = sessionId;
        this.registeredCounter = registeredCounter;
    }

    long version() {
        return version;
    }

    List<HandlerEntry> eventHandlers() {
        return eventHandlers;
    }

    @Nullable CommandEntry commandHandler(Class<?> type) {
        return commandHandlers.get(type);
    }

    /** Adds an event handler, or throws {@code closedError} if the scope is closed. */
    void add(HandlerEntry entry, Supplier<RuntimeException> closedError) {
        lock.lock();
        try {
            if (closed) {
                throw closedError.get();
            }
            var copy = new ArrayList<>(eventHandlers);
            copy.add(entry);
            eventHandlers = List.copyOf(copy);
            version++;
            registeredCounter.incrementAndGet();
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
            CommandEntry existing = commandHandlers.putIfAbsent(entry.type, entry);
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
            commandHandlers.remove(entry.type, entry);
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
            int removed = eventHandlers.size() + commandHandlers.size();
            eventHandlers.forEach(entry -> entry.active = false);
            commandHandlers.values().forEach(entry -> entry.active = false);
            eventHandlers = List.of();
            commandHandlers.clear();
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
