package org.llmgine.bus.store.jdbc;

/**
 * The books of an event log: every event it was offered ends in exactly one of written, dropped
 * (the buffer was full) or failed (its batch was still refused when the bus closed), or is still
 * buffered (waiting, or in a refused batch that is tried again).
 *
 * @param offered events offered to the log
 * @param written rows written
 * @param dropped events refused because the buffer was full
 * @param failed events whose batch the database still refused when the bus closed
 * @param unregistered of the written, events whose class the codec did not know (written without a
 *     payload)
 * @param buffered events waiting to be written, a refused batch's included
 * @param refusedWrites write attempts the database refused (each tried again until the bus closes)
 */
public record EventLogStats(long offered, long written, long dropped, long failed, long unregistered, int buffered,
        long refusedWrites) {
}
