package org.llmgine.bus.store.jdbc;

/** Where an outbox row is in its life. */
public enum OutboxState {
    /** Written, waiting to be sent (first time, or again after a failed send). */
    PENDING,
    /** Claimed by an instance that is sending it; back to claimable when its lease lapses. */
    IN_FLIGHT,
    /** Acknowledged by the broker: done. */
    COMPLETED,
    /** Its attempts ran out: kept, sent no more unless resubmitted. */
    ABANDONED
}
