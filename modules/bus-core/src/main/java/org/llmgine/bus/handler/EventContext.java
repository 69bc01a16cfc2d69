package org.llmgine.bus.handler;

/**
 * The context an {@link EventHandler} receives: the event's envelope, shared by every handler of
 * the event. Events published through it land in the event's scope. The event's priority
 * ({@link #priority()}) is what it was published with; it decided its place in the session's
 * queue.
 */
public interface EventContext extends MessageContext {

    @Override
    EventContext withAttempt(int attempt);
}
