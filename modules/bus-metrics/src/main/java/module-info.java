import org.jspecify.annotations.NullMarked;

/**
 * Micrometer metrics of an {@code org.llmgine.bus} message bus, through its observer SPI: event
 * and command counters, processing-time histograms, dispatch lag and the bus's gauges, under
 * bounded tags (bus, message type, outcome; never a session id); and JDK Flight Recorder events of
 * handler executions, dispatch lag and backpressure.
 */
@NullMarked
module org.llmgine.bus.metrics {
    requires transitive org.llmgine.bus;
    requires transitive micrometer.core;
    requires transitive micrometer.observation;
    requires transitive micrometer.commons;
    requires jdk.jfr;
    requires static transitive org.llmgine.bus.resilience;
    requires static transitive org.jspecify;

    exports org.llmgine.bus.metrics;
}
