package org.llmgine.bus.benchmarks.peer;

import org.llmgine.bus.message.Event;

/**
 * The event every system carries: a sequence number and two timestamps for latency runs.
 *
 * <p>Every run creates one tick per event, as applications create their events, so the allocation
 * measured per event includes the event itself (40 bytes), for every system alike.
 *
 * @param seq the publisher's sequence number of the event
 * @param intendedNanos when the event should have been sent ({@link System#nanoTime()}), the origin
 *     of coordinated-omission corrected latencies; 0 when unused
 * @param sentNanos when the publish call actually started ({@link System#nanoTime()}); 0 when unused
 */
public record Tick(long seq, long intendedNanos, long sentNanos) implements Event {
}
