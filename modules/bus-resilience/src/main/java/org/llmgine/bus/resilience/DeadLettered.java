package org.llmgine.bus.resilience;

import java.util.Objects;
import org.llmgine.bus.message.LifecycleEvent;

/**
 * A message was put in a dead letter queue, published once per entry in the entry's session (a
 * lifecycle event: it uses the lifecycle reserve and is never awaited, so dead-lettering never
 * waits for the queue, B-22).
 *
 * @param entry the entry
 * @param evicted true if a full queue evicted its oldest entry to make room
 */
public record DeadLettered(DeadLetter entry, boolean evicted) implements LifecycleEvent.ModuleEvent {

    /** Checks the fields. */
    public DeadLettered {
        Objects.requireNonNull(entry, "entry");
    }

    @Override
    public String module() {
        return ResiliencePolicy.MODULE;
    }
}
