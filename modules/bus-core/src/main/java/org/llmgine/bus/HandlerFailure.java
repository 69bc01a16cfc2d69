package org.llmgine.bus;

import java.util.Objects;

/**
 * One event handler's failure, as listed in a {@link DeliveryOutcome.Delivered}.
 *
 * @param handler the handler's name
 * @param error what it threw
 */
public record HandlerFailure(String handler, Throwable error) {

    /**
     * Creates the failure.
     *
     * @param handler the handler's name
     * @param error what it threw
     */
    public HandlerFailure {
        Objects.requireNonNull(handler, "handler");
        Objects.requireNonNull(error, "error");
    }
}
