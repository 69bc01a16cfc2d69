package org.llmgine.bus.resilience;

import java.util.Objects;
import org.jspecify.annotations.Nullable;
import org.llmgine.bus.handler.HandlerInfo;
import org.llmgine.bus.handler.MessageContext;
import org.llmgine.bus.message.Message;

/**
 * How a keyed strategy (circuit breakers, bulkheads, rate limiters, error statistics) splits its
 * calls: one breaker per command type, per event handler, or per value of a header such as the
 * model provider a call goes to. The key is compared with {@code equals}; returning an object that
 * already exists (a class, a header's value) keeps the call free of allocation.
 */
@FunctionalInterface
public interface KeyBy {

    /** The key of calls whose header is missing, for {@link #header(String)}. */
    String NO_VALUE = "(none)";

    /**
     * Returns the key of one call.
     *
     * @param message the command or event
     * @param handler the event handler, or null for a command
     * @param context the message's context
     * @return the key; not null
     */
    Object key(Message message, @Nullable HandlerInfo handler, MessageContext context);

    /**
     * Keys by the message's class: one breaker per command type (the default).
     *
     * @return the key function
     */
    static KeyBy messageType() {
        return (message, handler, context) -> message.getClass();
    }

    /**
     * Keys by handler: an event handler's name, or for a command its type (a command type has one
     * handler per scope).
     *
     * @return the key function
     */
    static KeyBy handler() {
        return (message, handler, context) -> handler != null ? handler.name() : message.getClass();
    }

    /**
     * Keys by the value of a header, for example {@code header("provider")} for one breaker per
     * model provider; calls without the header share the key {@link #NO_VALUE}.
     *
     * @param name the header's name
     * @return the key function
     */
    static KeyBy header(String name) {
        Objects.requireNonNull(name, "name");
        return (message, handler, context) -> context.headers().get(name).orElse(NO_VALUE);
    }
}
