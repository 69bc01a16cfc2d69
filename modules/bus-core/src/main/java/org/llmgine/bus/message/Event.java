package org.llmgine.bus.message;

/**
 * A notification that something happened, delivered to every handler subscribed to its class or to
 * one of its supertypes.
 *
 * <p>Declare events as records: {@code record TokenStreamed(String token) implements Event {}}. A
 * handler subscribed to a sealed parent interface receives every record that implements it.
 */
public non-sealed interface Event extends Message {
}
