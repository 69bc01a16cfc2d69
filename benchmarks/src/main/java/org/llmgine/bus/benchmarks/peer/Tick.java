package org.llmgine.bus.benchmarks.peer;

import org.llmgine.bus.message.Event;

/**
 * The event every system carries: a sequence number and two timestamps for latency runs.
 *
 * <p>Throughput runs publish the one shared {@link #CONSTANT} instance again and again (events are
 * immutable, so that is legal for every system), so the allocation they measure is the system's
 * own and not the harness's. Latency runs create one tick per event.
 *
 * @param seq the publisher's sequence number of the event
 * @param intendedNanos when the event should have been sent ({@link System#nanoTime()}), the origin
 *     of coordinated-omission corrected latencies; 0 when unused
 * @param sentNanos when the publish call actually started ({@link System#nanoTime()}); 0 when unused
 */
public record Tick(long seq, long intendedNanos, long sentNanos) implements Event {

    /** The tick throughput runs publish over and over. */
    public static final Tick CONSTANT = new Tick(0, 0, 0);
}
