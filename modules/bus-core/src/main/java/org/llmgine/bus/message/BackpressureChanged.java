package org.llmgine.bus.message;

/**
 * The queue crossed a water mark: backpressure turned on when it reached the high mark, or off
 * when it was back at the low mark. Between the two nothing changes (hysteresis), so it does not
 * flap. Published in the bus scope, in the order the crossings happened.
 *
 * @param active true when backpressure turned on
 * @param queueSize the number of accepted, unfinished events at the crossing: the high mark (or
 *     more) when it turned on, the low mark when it turned off
 * @param queueCapacity the queue's capacity
 */
public record BackpressureChanged(boolean active, int queueSize, int queueCapacity) implements LifecycleEvent {
}
