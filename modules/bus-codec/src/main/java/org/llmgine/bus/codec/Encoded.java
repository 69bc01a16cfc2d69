package org.llmgine.bus.codec;

import java.util.Objects;

/**
 * A message as text: its registered type id and its payload.
 *
 * @param typeId the id its class was registered under, for example {@code chat.AskModel}
 * @param payload the message's fields, in the codec's format
 */
public record Encoded(String typeId, String payload) {

    /**
     * Validates the record.
     *
     * @param typeId not blank
     * @param payload the payload
     * @throws IllegalArgumentException if the type id is blank
     */
    public Encoded {
        Objects.requireNonNull(typeId, "typeId");
        Objects.requireNonNull(payload, "payload");
        if (typeId.isBlank()) {
            throw new IllegalArgumentException("typeId must not be blank, but was '" + typeId + "'");
        }
    }
}
