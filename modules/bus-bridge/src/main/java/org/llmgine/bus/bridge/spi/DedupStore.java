package org.llmgine.bus.bridge.spi;

/**
 * The durable half of a consumer group's deduplication, shared by its instances: a record
 * redelivered to another instance (after a rebalance, or a crash of the one that handled it) is
 * recognised there too. The bridge asks {@link #seen} when a record arrives and calls
 * {@link #processed} once its handlers ran, before the record is done. A crash between the
 * handlers' end and {@code processed} leaves the record to be handled again: the handlers' effect
 * is once except in that window, which idempotent handlers close. The in-memory window of each
 * instance stays in front of it.
 */
public interface DedupStore {

    /**
     * Tells whether the group processed the message already.
     *
     * @param group the consumer group
     * @param messageId the record's message id
     * @return true if it did
     * @throws Exception if the store could not be read (the bridge handles the record: at least once)
     */
    boolean seen(String group, String messageId) throws Exception;

    /**
     * Records that the group processed the message.
     *
     * @param group the consumer group
     * @param messageId the record's message id
     * @throws Exception if the store could not be written (counted and logged; the record is done)
     */
    void processed(String group, String messageId) throws Exception;
}
