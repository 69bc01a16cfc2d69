/**
 * The JMH suite. Each class says in its javadoc what it measures and how to run it; where a
 * comparison makes sense the competitors are a {@code @Param} enum of factories with a JDK
 * baseline among them ({@link org.llmgine.bus.benchmarks.peer.SystemKind#ABQ_LOOP} for events, a
 * {@code CompletableFuture} hop on a virtual-thread executor for commands).
 *
 * <p>Build and run everything from the repository root:
 * <pre>{@code
 * ./mvnw -B -pl benchmarks -am -DskipTests package
 * java -jar benchmarks/target/benchmarks.jar                      # the whole suite, defaults
 * java -jar benchmarks/target/benchmarks.jar Dispatch -prof gc    # one class, with allocation
 * java -jar benchmarks/target/benchmarks.jar -p system=LLMGINE_BUS,GUAVA_ASYNC Publish
 * }</pre>
 * Later modules (resilience, metrics) add their classes to this package or next to it.
 *
 * <p><b>Threading.</b> JMH drives the benchmark threads; each state class documents its scope.
 * Handlers count with thread-safe counters because most systems call them from other threads.
 */
@NullMarked
package org.llmgine.bus.benchmarks.jmh;

import org.jspecify.annotations.NullMarked;
