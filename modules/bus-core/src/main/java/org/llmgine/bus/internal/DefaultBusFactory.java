package org.llmgine.bus.internal;

import org.llmgine.bus.BusConfig;
import org.llmgine.bus.MessageBus;
import org.llmgine.bus.spi.BusFactory;

/**
 * The {@link BusFactory} this module provides ({@code provides ... with} in its module-info, and
 * {@code META-INF/services} on the class path): how {@code MessageBus.builder().build()} reaches
 * the implementation without the API packages naming it.
 */
public final class DefaultBusFactory implements BusFactory {

    /** Creates the factory; called by {@link java.util.ServiceLoader}. */
    public DefaultBusFactory() {
    }

    @Override
    public MessageBus create(BusConfig config) {
        return new DefaultMessageBus(config);
    }
}
