/**
 * Resilience for the bus's handlers: one {@link org.llmgine.bus.resilience.Decorator} shape, the
 * strategies (retry, circuit breakers, timeouts, bulkheads, rate limiters) composed by a
 * {@link org.llmgine.bus.resilience.Pipeline}, the {@link org.llmgine.bus.resilience.DeadLetterQueue},
 * and the {@link org.llmgine.bus.resilience.ResiliencePolicy} that applies them to a bus. Types here
 * are immutable or thread-safe unless their javadoc says otherwise.
 */
@NullMarked
package org.llmgine.bus.resilience;

import org.jspecify.annotations.NullMarked;
