package org.llmgine.bus.internal;

import java.lang.System.Logger.Level;
import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;
import org.llmgine.bus.message.Headers;
import org.llmgine.bus.message.Message;
import org.llmgine.bus.spi.HeaderPropagator;

/**
 * Applies a bus's header propagators to a message being sent, in order, logging and skipping one
 * that throws or returns null. Call sites test {@link #active} first, so a bus without
 * propagators pays one field read per message.
 */
final class HeaderPropagation {

    private static final System.Logger LOG = System.getLogger("org.llmgine.bus");

    final boolean active;
    private final HeaderPropagator[] all;
    private final String busName;

    HeaderPropagation(List<HeaderPropagator> propagators, String busName) {
        this.all = propagators.toArray(HeaderPropagator[]::new);
        this.active = all.length > 0;
        this.busName = busName;
    }

    /** Returns the headers to send {@code message} with. */
    Headers apply(Message message, @Nullable String sessionId, Headers headers) {
        Headers current = headers;
        for (HeaderPropagator propagator : all) {
            try {
                current = Objects.requireNonNull(propagator.propagate(message, sessionId, current),
                        "the headers it returned");
            } catch (VirtualMachineError e) {
                throw e;
            } catch (Throwable e) {
                LOG.log(Level.WARNING, "header propagator " + propagator + " of bus '" + busName + "' failed for a "
                        + message.getClass().getName() + "; the message keeps its headers", e);
            }
        }
        return current;
    }
}
