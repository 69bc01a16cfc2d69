package org.llmgine.bus.bridge;

import org.llmgine.bus.bridge.spi.TransportRecord;

/**
 * A record the bridge could not turn into a message (an unknown type id, a payload or headers that
 * do not read): reported, logged at ERROR and skipped, so its partition moves on.
 *
 * @param position where it came from
 * @param reason what was wrong, naming the value
 * @param record the record as it came
 */
public record PoisonRecord(String position, String reason, TransportRecord record) {
}
