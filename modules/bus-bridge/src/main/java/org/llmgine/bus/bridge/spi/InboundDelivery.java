package org.llmgine.bus.bridge.spi;

/**
 * A record a transport delivered to a subscriber, and the subscriber's acknowledgement of it. The
 * subscriber calls {@link #done} once it has finished with the record (its handlers ran, or it was
 * a duplicate, or it was reported as poison); the transport then may forget it (Kafka: commit its
 * offset once every record before it in its partition is done too). A record never done is
 * delivered again after the subscriber leaves (a rebalance, a crash): at least once.
 */
public interface InboundDelivery {

    /**
     * Returns the record.
     *
     * @return the record
     */
    TransportRecord record();

    /**
     * Describes where the record came from, for logs: for example {@code chat-events-3@1207}.
     *
     * @return the position
     */
    String position();

    /**
     * Tells the transport the subscriber is finished with the record. Idempotent; may be called
     * from any thread.
     */
    void done();
}
