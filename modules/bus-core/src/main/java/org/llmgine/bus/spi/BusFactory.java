package org.llmgine.bus.spi;

import org.llmgine.bus.BusConfig;
import org.llmgine.bus.MessageBus;

/**
 * How {@link MessageBus.Builder#build()} finds the bus implementation: a {@link java.util.ServiceLoader}
 * service that the {@code org.llmgine.bus} module provides itself, so the API packages never name
 * the implementation. Not meant to be implemented by users.
 */
public interface BusFactory {

    /**
     * Creates a bus in state NEW.
     *
     * @param config the validated configuration
     * @return the bus
     */
    MessageBus create(BusConfig config);
}
