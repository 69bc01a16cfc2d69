package org.llmgine.bus.bridge;

/**
 * What a bridge did, counted since it started. Outbound, every event a route selected ends in one
 * of {@code sent}, {@code overflowed}, {@code abandoned} or is still waiting (in the buffer or the
 * outbox); inbound, every record received is {@code republished}, a duplicate, an echo, poison,
 * {@code returned} (not handled because the bus closed; delivered again later) or still in flight.
 *
 * @param accepted events a route selected and the outbound store took
 * @param overflowed events a full in-memory buffer refused (each logged)
 * @param storeFailures outbound store calls that failed (each logged at ERROR)
 * @param sent records the transport acknowledged
 * @param sendFailures sends that failed (each retried after a backoff, or abandoned)
 * @param abandoned events whose send attempts were used up (each logged at ERROR)
 * @param received records the transport delivered, redeliveries included
 * @param republished records published into the local bus whose handlers ran
 * @param duplicates records skipped because their message id was seen already
 * @param echoes records this instance sent itself, skipped
 * @param poison records that could not be decoded, reported and skipped
 * @param returned records the bus did not handle (closing); left not done, so delivered again
 * @param inFlight records received and not yet ended
 * @param paused whether the inbound subscription is paused (backpressure)
 * @param commands remote commands, both sides
 */
public record BridgeStats(long accepted, long overflowed, long storeFailures, long sent, long sendFailures,
        long abandoned, long received, long republished, long duplicates, long echoes, long poison, long returned,
        long inFlight, boolean paused, Commands commands) {

    /**
     * Commands across JVMs; zeros without them.
     *
     * @param requested requests this instance sent
     * @param replied replies that completed a call of this instance
     * @param late replies that came after their caller's deadline or cancel
     * @param served requests this instance ran
     */
    public record Commands(long requested, long replied, long late, long served) {
    }
}
