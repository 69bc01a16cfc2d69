package org.llmgine.bus.resilience;

import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.Event;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;

/**
 * The module's JDK Flight Recorder events: a circuit breaker's transition
 * ({@code org.llmgine.bus.BreakerTransition}) and a dead-lettered message
 * ({@code org.llmgine.bus.DeadLettered}). Written only while a recording enables them; until
 * then each costs a check.
 */
final class JfrEvents {

    private JfrEvents() {
    }

    @Name("org.llmgine.bus.BreakerTransition")
    @Label("Circuit Breaker Transition")
    @Category({"llmgine-bus"})
    @Description("A circuit breaker changed state")
    @StackTrace(false)
    static final class BreakerTransition extends Event {
        @Label("Breaker")
        String breaker;
        @Label("From")
        String from;
        @Label("To")
        String to;
        @Label("Reason")
        String reason;
    }

    @Name("org.llmgine.bus.DeadLettered")
    @Label("Dead Lettered")
    @Category({"llmgine-bus"})
    @Description("A message was put in a dead letter queue")
    @StackTrace(false)
    static final class DeadLettered extends Event {
        @Label("Entry")
        String entry;
        @Label("Message Type")
        String messageType;
        @Label("Handler")
        String handler;
        @Label("Cause")
        String cause;
        @Label("Attempts")
        int attempts;
        @Label("Evicted Another")
        boolean evicted;
    }

    static void transition(CircuitBreaker.Transition transition) {
        BreakerTransition e = new BreakerTransition();
        if (e.shouldCommit()) {
            e.breaker = transition.breaker();
            e.from = transition.from().name();
            e.to = transition.to().name();
            e.reason = transition.reason();
            e.commit();
        }
    }

    static void deadLettered(DeadLetter entry, boolean evicted) {
        DeadLettered e = new DeadLettered();
        if (e.shouldCommit()) {
            e.entry = entry.id().toString();
            e.messageType = entry.message().getClass().getName();
            e.handler = entry.handler() == null ? "" : entry.handler();
            e.cause = entry.cause().describe();
            e.attempts = entry.attempts();
            e.evicted = evicted;
            e.commit();
        }
    }
}
