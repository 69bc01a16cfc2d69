package org.llmgine.bus.internal;

import java.util.Objects;
import org.jspecify.annotations.Nullable;
import org.llmgine.bus.PublishOutcome;
import org.llmgine.bus.RejectionReason;
import org.llmgine.bus.message.Headers;
import org.llmgine.bus.message.LifecycleEvent;
import org.llmgine.bus.spi.LifecyclePublisher;

/**
 * The bus's {@link LifecyclePublisher}: modules' lifecycle events go through the same path as the
 * bus's own ({@link Publisher#lifecycle}), into the open session with the id or the bus scope.
 */
final class ModuleLifecycle implements LifecyclePublisher {

    private final DefaultMessageBus bus;

    ModuleLifecycle(DefaultMessageBus bus) {
        this.bus = bus;
    }

    @Override
    public boolean isListened(@Nullable String sessionId, Class<? extends LifecycleEvent> type) {
        Objects.requireNonNull(type, "type");
        return bus.hasHandlers(bus.laneOf(sessionId), type);
    }

    @Override
    public PublishOutcome publish(@Nullable String sessionId, LifecycleEvent.ModuleEvent event, Headers headers) {
        Objects.requireNonNull(event, "event");
        Objects.requireNonNull(headers, "headers");
        Lane lane = bus.laneOf(sessionId);
        if (bus.state() == org.llmgine.bus.BusState.CLOSED) {
            return bus.publisher().refused(lane, event, headers, org.llmgine.bus.handler.Priority.NORMAL,
                    RejectionReason.BUS_CLOSED,
                    "cannot publish " + event.getClass().getName() + ": bus '" + bus.name() + "' is CLOSED");
        }
        return bus.publisher().lifecycle(lane, event, headers);
    }
}
