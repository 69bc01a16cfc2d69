package org.llmgine.bus.spi;

import java.time.InstantSource;

/**
 * A clock that tells listeners when it changes other than by the passing of real time, such as a
 * manual clock in tests that is set or advanced. The bus's timer listens to it, so scheduled events
 * and approval expiries follow the clock without polling. With any other {@link InstantSource} the
 * timer waits in real time.
 */
public interface ObservableClock extends InstantSource {

    /**
     * Registers a listener called after every change of the clock.
     *
     * @param listener called on the thread that changed the clock; must be fast and non-blocking
     * @return an action that removes the listener
     */
    Runnable onChange(Runnable listener);
}
