import org.jspecify.annotations.NullMarked;

/**
 * Bridges an {@code org.llmgine.bus} bus to other buses over a transport: outbound routes of
 * events (keyed by session id, at least once, through a bounded buffer or the store module's
 * outbox), inbound consumption (broadcast or competing consumers) republished in the right session
 * once per message id, backpressure from the bus to the transport, and an in-memory transport for
 * tests. The transport SPI is {@code org.llmgine.bus.bridge.spi}; Kafka's is in
 * {@code org.llmgine.bus.bridge.kafka}.
 */
@NullMarked
module org.llmgine.bus.bridge {
    requires transitive org.llmgine.bus;
    requires transitive org.llmgine.bus.codec;
    requires static transitive org.llmgine.bus.store.jdbc;
    requires static transitive org.jspecify;

    exports org.llmgine.bus.bridge;
    exports org.llmgine.bus.bridge.spi;
    exports org.llmgine.bus.bridge.memory;
}
