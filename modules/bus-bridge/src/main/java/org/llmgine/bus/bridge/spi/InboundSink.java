package org.llmgine.bus.bridge.spi;

/**
 * Where a transport hands the records of a subscription, in order per key (Kafka: per partition).
 * Called on the transport's own thread: it must not block (the bridge queues the record and
 * returns); what it throws is logged by the transport and the record stays not done.
 */
@FunctionalInterface
public interface InboundSink {

    /**
     * Takes a record.
     *
     * @param delivery the record and its acknowledgement
     */
    void accept(InboundDelivery delivery);
}
