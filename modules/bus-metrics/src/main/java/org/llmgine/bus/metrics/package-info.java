/**
 * Micrometer metrics of a bus: {@link org.llmgine.bus.metrics.BusMetrics}, an observer that records
 * into a meter registry. Thread-safe unless a type's javadoc says otherwise.
 */
@NullMarked
package org.llmgine.bus.metrics;

import org.jspecify.annotations.NullMarked;
