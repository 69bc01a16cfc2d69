package org.llmgine.bus.benchmarks.peer;

/**
 * A handler every system calls once per event. It may be called from several threads at once.
 */
@FunctionalInterface
public interface TickHandler {

    /**
     * Handles one event.
     *
     * @param tick the event
     */
    void onTick(Tick tick);
}
