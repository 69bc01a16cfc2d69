package org.llmgine.bus.message;

/**
 * An event the bus publishes about its own work. The hierarchy is sealed so a handler subscribed to
 * {@code LifecycleEvent} can {@code switch} over every kind exhaustively.
 *
 * <p>Lifecycle events travel in the scope they concern: a command's events in the command's
 * session, a handler failure in the failed event's session, session events in the session itself
 * (where, for {@link SessionEnded}, only bus-scope handlers remain to see them). The bus only
 * creates a lifecycle event when at least one handler could receive it, so an unobserved lifecycle
 * costs nothing. Whether event filters see lifecycle events is a bus option
 * ({@code MessageBus.Builder#filterLifecycleEvents}).
 */
public sealed interface LifecycleEvent extends Event
        permits SessionStarted, SessionEnded, CommandStarted, CommandCompleted, HandlerFailed, EventDropped,
                BackpressureChanged, ApprovalRequested, ApprovalDecided {
}
