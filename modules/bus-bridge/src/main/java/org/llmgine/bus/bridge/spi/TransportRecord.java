package org.llmgine.bus.bridge.spi;

import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * One record on a transport: a topic, an optional key (records of one key keep their order: the
 * bridge keys a session's events by the session id), text headers and a text value. The bridge
 * writes its own headers ({@code org.llmgine.bus.bridge.BridgeHeaders}); a transport carries every
 * header as it is.
 *
 * @param topic where the record goes; not blank
 * @param key the ordering key, or null for none
 * @param headers the headers, copied
 * @param value the payload, the codec's text
 */
public record TransportRecord(String topic, @Nullable String key, Map<String, String> headers, String value) {

    /**
     * Validates and copies.
     *
     * @param topic not blank
     * @param key the key or null
     * @param headers the headers
     * @param value the payload
     */
    public TransportRecord {
        Objects.requireNonNull(topic, "topic");
        if (topic.isBlank()) {
            throw new IllegalArgumentException("a record's topic must not be blank, but was '" + topic + "'");
        }
        headers = Map.copyOf(headers);
        Objects.requireNonNull(value, "value");
    }

    /**
     * Returns a header.
     *
     * @param name the header's name
     * @return its value, or null if the record has none
     */
    public @Nullable String header(String name) {
        return headers.get(name);
    }
}
