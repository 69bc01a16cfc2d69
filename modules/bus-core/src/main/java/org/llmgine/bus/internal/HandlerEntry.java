package org.llmgine.bus.internal;

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
    private final ScopeTable owner;
    volatile boolean active = true;

    HandlerEntry(long seq, HandlerInfo info, EventHandler<Event> handler, ScopeTable owner) {
        this.seq = seq;
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
