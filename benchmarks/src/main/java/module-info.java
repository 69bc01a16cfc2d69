import org.jspecify.annotations.NullMarked;

/**
 * The benchmarks of the llmgine bus: a JMH suite ({@code org.llmgine.bus.benchmarks.jmh}) and a
 * load harness ({@code org.llmgine.bus.benchmarks.harness}) that compare the bus with an
 * {@code ArrayBlockingQueue} loop, Guava's {@code AsyncEventBus} and the LMAX Disruptor
 * ({@code org.llmgine.bus.benchmarks.peer}), the JDBC stores with plain JDBC inserts, and the Kafka bridge with a plain kafka-clients loop. Both run
 * on the class path from the shaded {@code benchmarks/target/benchmarks.jar}; this descriptor
 * governs the modular build and tests. The JDBC drivers (H2, PostgreSQL) are not required by name:
 * {@code DriverManager} finds them as services.
 *
 * <p>Nothing is opened: the JMH package's sample event, which Jackson reads by reflection, is only
 * encoded on the class path (the shaded jar), where every package is open; no test runs it on the
 * module path.
 *
 * <p>Only {@code org.llmgine.bus.benchmarks.peer} is exported: Guava's event bus invokes the
 * public {@code @Subscribe} method of the Guava peer's subscriber reflectively, which on the module
 * path it can only do in an exported package.
 */
@NullMarked
module org.llmgine.bus.benchmarks {
    requires transitive org.llmgine.bus;
    requires org.llmgine.bus.resilience;
    requires org.llmgine.bus.metrics;
    requires org.llmgine.bus.codec;
    requires org.llmgine.bus.store.jdbc;
    requires org.llmgine.bus.bridge.kafka;
    requires kafka.clients;
    requires java.sql;
    requires com.zaxxer.hikari;
    requires micrometer.core;
    requires micrometer.registry.prometheus;
    requires static org.jspecify;
    requires jmh.core;
    requires com.google.common;
    requires com.lmax.disruptor;
    requires HdrHistogram;
    requires io.github.resilience4j.circuitbreaker;
    requires io.github.resilience4j.retry;
    requires io.github.resilience4j.bulkhead;
    requires jdk.management;
    requires java.logging;

    exports org.llmgine.bus.benchmarks.peer;
}
