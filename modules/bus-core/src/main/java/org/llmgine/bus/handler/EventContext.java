package org.llmgine.bus.handler;

/**
 * The context an {@link EventHandler} receives: the event's envelope, shared by every handler of
 * the event. Events published through it land in the event's scope.
 */
public interface EventContext extends MessageContext {

    /**
     * Returns the priority the event was published with ({@link Priority#NORMAL} unless the
     * publisher chose one through {@link org.llmgine.bus.PublishOptions}). It is metadata for
     * handlers and middleware; it does not change the order of dispatch.
     *
     * @return the event's priority
     */
    int priority();
}
