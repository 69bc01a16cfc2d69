package org.llmgine.bus.internal;

import java.util.function.Predicate;
import org.jspecify.annotations.Nullable;
import org.llmgine.bus.handler.EventHandler;
import org.llmgine.bus.handler.HandlerInfo;
import org.llmgine.bus.handler.Registration;
import org.llmgine.bus.message.Event;

/**
 * One registered event handler. Its registration removes it from its scope table.
 */
final class HandlerEntry implements Registration {

    final long seq;
    final HandlerInfo info;
    final Class<?> type;
    final EventHandler<Event> handler;
    /** The subscription's condition, or null for every event of the type. */
    final @Nullable Predicate<? super Event> condition;
    private final ScopeTable owner;
    volatile boolean active = true;

    HandlerEntry(long seq, HandlerInfo info, EventHandler<Event> handler, @Nullable Predicate<? super Event> condition,
            ScopeTable owner) {
        this.seq = seq;
        this.condition = condition;
        this.info = info;
        this.type = info.messageType();
        this.handler = handler;
        this.owner = owner;
    }

    @Override
    public void close() {
        owner.remove(this);
    }

    @Override
    public boolean isActive() {
        return active;
    }

    @Override
    public String toString() {
        return "event handler " + info.name() + " for " + type.getSimpleName();
    }
}
