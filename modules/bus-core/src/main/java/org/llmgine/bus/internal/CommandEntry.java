package org.llmgine.bus.internal;

import org.llmgine.bus.handler.CommandHandler;
import org.llmgine.bus.handler.Registration;
import org.llmgine.bus.message.Command;

/**
 * The registered handler of one command class in one scope.
 */
final class CommandEntry implements Registration {

    final String name;
    final Class<?> type;
    final CommandHandler<Command<Object>, Object> handler;
    private final ScopeTable owner;
    volatile boolean active = true;

    CommandEntry(String name, Class<?> type, CommandHandler<Command<Object>, Object> handler, ScopeTable owner) {
        this.name = name;
        this.type = type;
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
        return "command handler " + name + " for " + type.getSimpleName();
    }
}
