package org.llmgine.bus.benchmarks.peer;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.Arrays;
import org.llmgine.bus.metrics.BusMetrics;
import org.llmgine.bus.spi.BusObserver;

/**
 * The llmgine bus with and without the metrics binding, for the {@code metrics} scenario: the same
 * bus as {@link SystemKind#LLMGINE_BUS}, with the binding on a Prometheus registry (what a user
 * scrapes), without its histograms, or with an observer that does nothing (the bus's own cost of
 * reporting to any observer).
 */
public enum MetricsVariant {

    /** No observer: the baseline. */
    OFF("metrics-off"),
    /** An observer that does nothing. */
    NO_OP_OBSERVER("no-op-observer"),
    /** {@link BusMetrics#withoutHistograms()} on a {@link PrometheusMeterRegistry}. */
    NO_HISTOGRAMS("metrics-no-histograms"),
    /** {@link BusMetrics#of} on a {@link PrometheusMeterRegistry}: every meter, histograms included. */
    ON("metrics-on");

    private final String label;

    MetricsVariant(String label) {
        this.label = label;
    }

    /**
     * Creates and starts the bus of this variant.
     *
     * @param setup publishers, handlers, sessions and the handler
     * @return the running bus
     */
    public EventSystem create(Setup setup) {
        return new LlmgineBusSystem(setup, label, builder -> {
            switch (this) {
                case OFF -> { }
                case NO_OP_OBSERVER -> builder.addObserver(new BusObserver() { });
                case NO_HISTOGRAMS -> builder.addObserver(
                        BusMetrics.of(new PrometheusMeterRegistry(PrometheusConfig.DEFAULT)).withoutHistograms());
                case ON -> builder.addObserver(BusMetrics.of(new PrometheusMeterRegistry(PrometheusConfig.DEFAULT)));
            }
        });
    }

    /**
     * Returns the label used in tables and JSON.
     *
     * @return for example {@code metrics-on}
     */
    public String label() {
        return label;
    }

    /**
     * Finds a variant by its label.
     *
     * @param label a label such as {@code metrics-off}
     * @return the variant
     * @throws IllegalArgumentException naming the label and the known ones if it is unknown
     */
    public static MetricsVariant byLabel(String label) {
        for (MetricsVariant v : values()) {
            if (v.label.equals(label)) {
                return v;
            }
        }
        throw new IllegalArgumentException("unknown metrics variant '" + label + "', expected one of "
                + Arrays.stream(values()).map(MetricsVariant::label).toList());
    }
}
