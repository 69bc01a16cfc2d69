package org.llmgine.bus.store.jdbc;

import java.time.Instant;

/**
 * Instants as the stores keep them: nanoseconds since the epoch in a BIGINT, exact on every
 * database (no time zones, no precision lost), from 1677 to 2262.
 */
final class Times {

    private static final long NANOS = 1_000_000_000L;

    private Times() {
    }

    static long toNanos(Instant instant) {
        return Math.addExact(Math.multiplyExact(instant.getEpochSecond(), NANOS), instant.getNano());
    }

    static Instant fromNanos(long nanos) {
        return Instant.ofEpochSecond(Math.floorDiv(nanos, NANOS), Math.floorMod(nanos, NANOS));
    }
}
