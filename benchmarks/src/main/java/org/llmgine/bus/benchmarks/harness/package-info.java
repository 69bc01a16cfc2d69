/**
 * The load harness behind {@code benchmarks/run}: one class per scenario ({@code throughput},
 * {@code fanout}, {@code latency}, {@code commands}, {@code chaos}, {@code soak}, {@code report}),
 * plus what they share: interleaved rounds, allocation and machine figures, and writers for
 * tables, JSON and SVG charts. {@link org.llmgine.bus.benchmarks.harness.Harness} is the entry
 * point; it runs on the class path from the shaded {@code benchmarks/target/benchmarks.jar}.
 *
 * <p><b>Threading.</b> A scenario runs on the main thread and starts its own publisher, caller and
 * sampler threads (platform threads), which it joins before it returns; the writers are
 * single-threaded. Nothing here is meant to be used by other code.
 */
@NullMarked
package org.llmgine.bus.benchmarks.harness;

import org.jspecify.annotations.NullMarked;
