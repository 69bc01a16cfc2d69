package org.llmgine.bus.handler;

/**
 * The context an {@link EventHandler} receives: the event's envelope, shared by every handler of
 * the event. Events published through it land in the event's scope.
 */
public interface EventContext extends MessageContext {
}
