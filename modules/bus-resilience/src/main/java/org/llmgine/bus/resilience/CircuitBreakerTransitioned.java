package org.llmgine.bus.resilience;

import java.util.Objects;
import org.llmgine.bus.message.LifecycleEvent;

/**
 * A circuit breaker changed state, published in the bus scope by the {@link ResiliencePolicy}
 * that runs the breaker.
 *
 * @param transition the change
 */
public record CircuitBreakerTransitioned(CircuitBreaker.Transition transition) implements LifecycleEvent.ModuleEvent {

    /** Checks the fields. */
    public CircuitBreakerTransitioned {
        Objects.requireNonNull(transition, "transition");
    }

    @Override
    public String module() {
        return ResiliencePolicy.MODULE;
    }
}
