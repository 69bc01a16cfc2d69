package org.llmgine.bus.bridge.spi;

import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * What a bridge needs from a messaging system, and nothing more: send a record and learn when the
 * system holds it, and subscribe to topics as a member of a group (the group's members share the
 * records, each key's records going to one member at a time, in order). Broadcast is a group of
 * one. Implementations: {@link org.llmgine.bus.bridge.memory.InMemoryTransport} (buses of one JVM,
 * for tests) and the Kafka transport of module {@code org.llmgine.bus.bridge.kafka}. Thread-safe.
 */
public interface Transport extends AutoCloseable {

    /**
     * Sends a record.
     *
     * @param record the record
     * @return completed when the system holds the record (Kafka: the broker acknowledged it), or
     *     exceptionally if it could not be sent; records of one key sent in order are kept in order
     */
    CompletableFuture<Void> send(TransportRecord record);

    /**
     * Subscribes to topics as a member of {@code group}.
     *
     * @param topics the topics, at least one
     * @param group the group; members of one group share the records, each group gets every record
     * @param sink where the records go
     * @return the running subscription
     */
    Subscription subscribe(Set<String> topics, String group, InboundSink sink);

    /**
     * Names the transport for logs and errors.
     *
     * @return for example {@code kafka[localhost:9092]}
     */
    String describe();

    /** Closes every subscription and stops sending; records not yet acknowledged fail their futures. */
    @Override
    void close();
}
