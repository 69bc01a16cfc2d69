import org.jspecify.annotations.NullMarked;

/**
 * The Kafka transport of the {@code org.llmgine.bus.bridge} bridge: an idempotent producer, and
 * consumers whose poll loop only polls, pauses for backpressure and commits per partition only up
 * to the highest contiguous done record. kafka-clients has no module descriptor and no
 * {@code Automatic-Module-Name}: on the module path it is the automatic module {@code kafka.clients},
 * named from its file name.
 */
@NullMarked
module org.llmgine.bus.bridge.kafka {
    requires transitive org.llmgine.bus.bridge;
    requires kafka.clients;
    requires static transitive org.jspecify;

    exports org.llmgine.bus.bridge.kafka;
}
