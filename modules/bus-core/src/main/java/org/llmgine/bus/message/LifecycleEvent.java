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
 *
 * <p>Modules add their own kinds (a circuit breaker's transitions, a dead letter) by implementing
 * {@link ModuleEvent}, the one open branch, and publishing them through
 * {@code MessageBus#lifecycle()}: they get the same lifecycle reserve and filter bypass as the
 * bus's own. A switch handles every module's kinds with one {@code case ModuleEvent event}.
 */
public sealed interface LifecycleEvent extends Event
        permits SessionStarted, SessionEnded, CommandStarted, CommandCompleted, HandlerFailed, EventDropped,
                EventUnhandled, BackpressureChanged, ApprovalRequested, ApprovalDecided, LifecycleEvent.ModuleEvent {

    /**
     * A lifecycle event defined by a module (resilience, metrics, stores, bridges) or an
     * application. Implement it with a record and publish it with {@code MessageBus#lifecycle()}.
     */
    non-sealed interface ModuleEvent extends LifecycleEvent {

        /**
         * Returns the name of the module that publishes this kind, for example
         * {@code org.llmgine.bus.resilience}.
         *
         * @return the module's name
         */
        String module();
    }
}
