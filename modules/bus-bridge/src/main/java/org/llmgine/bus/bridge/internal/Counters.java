package org.llmgine.bus.bridge.internal;

import java.util.concurrent.atomic.LongAdder;

/** The counters of one bridge, written by its sides, read by its stats. */
public final class Counters {
    /** Events a route selected and the store took. */
    public final LongAdder accepted = new LongAdder();
    /** Events a full buffer refused. */
    public final LongAdder overflowed = new LongAdder();
    /** Failed store calls. */
    public final LongAdder storeFailures = new LongAdder();
    /** Acknowledged records. */
    public final LongAdder sent = new LongAdder();
    /** Failed sends. */
    public final LongAdder sendFailures = new LongAdder();
    /** Events whose attempts were used up. */
    public final LongAdder abandoned = new LongAdder();
    /** Records delivered by the transport. */
    public final LongAdder received = new LongAdder();
    /** Records published into the bus whose handlers ran. */
    public final LongAdder republished = new LongAdder();
    /** Records skipped as redeliveries. */
    public final LongAdder duplicates = new LongAdder();
    /** Records of this instance, skipped. */
    public final LongAdder echoes = new LongAdder();
    /** Records that did not decode. */
    public final LongAdder poison = new LongAdder();
    /** Records the bus did not handle (closing). */
    public final LongAdder returned = new LongAdder();

    /** Creates zeroed counters. */
    public Counters() {
    }
}
