package org.llmgine.bus.spi;

import org.jspecify.annotations.Nullable;
import org.llmgine.bus.message.Headers;
import org.llmgine.bus.message.Message;

/**
 * Adds headers to messages as they are sent, on the sending thread: a trace context (what the
 * metrics module's {@code BusObservations} writes), a tenant or a correlation id kept in a
 * thread-local or scoped value. Installed with
 * {@link org.llmgine.bus.MessageBus.Builder#addHeaderPropagator}; several apply in the order they
 * were added, each seeing what the previous returned.
 *
 * <p>It is called for every event published by a caller or through a handler's context (before
 * filters and {@link BusObserver#onPublished}), and for every command executed (before
 * {@link BusObserver#onCommandStarted}). It is not called for lifecycle events (they carry the
 * headers of their cause), nor for scheduled events when they fall due (they keep the headers
 * they were scheduled with, so a store can persist them). If it throws, the bus logs the failure
 * at WARNING on logger {@code org.llmgine.bus} and sends the message with the headers it had.
 *
 * <pre>{@code
 * MessageBus.builder().addHeaderPropagator((message, session, headers) ->
 *         headers.with("tenant", Tenant.current()));
 * }</pre>
 */
@FunctionalInterface
public interface HeaderPropagator {

    /**
     * Returns the headers to send a message with.
     *
     * @param message the event being published or the command being executed
     * @param sessionId the id of its session, or null in the bus scope
     * @param headers its headers so far: the caller's, or those of the handler context it is sent
     *     through
     * @return the headers to send it with: {@code headers} itself to add nothing
     */
    Headers propagate(Message message, @Nullable String sessionId, Headers headers);
}
