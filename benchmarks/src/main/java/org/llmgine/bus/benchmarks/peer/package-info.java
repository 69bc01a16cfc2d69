/**
 * The systems the benchmarks compare, behind one small interface: {@link
 * org.llmgine.bus.benchmarks.peer.EventSystem}, created by the factories of {@link
 * org.llmgine.bus.benchmarks.peer.SystemKind}. Each system delivers {@link
 * org.llmgine.bus.benchmarks.peer.Tick} events from publisher threads to {@link
 * org.llmgine.bus.benchmarks.peer.TickHandler}s:
 * <ul>
 *   <li>{@code llmgine-bus}: the bus, used only through its public API (queue capacity 8192,
 *       {@code OverflowStrategy.BLOCK});</li>
 *   <li>{@code abq-loop}: the JDK baseline, an {@code ArrayBlockingQueue(8192)} drained by one
 *       platform thread that calls the handlers inline;</li>
 *   <li>{@code guava-async}: Guava's {@code AsyncEventBus} on a fixed pool of two threads;</li>
 *   <li>{@code disruptor}: the LMAX Disruptor 4.0.0, ring of 8192, {@code BlockingWaitStrategy},
 *       one event processor thread per handler.</li>
 * </ul>
 *
 * <p><b>Threading.</b> A system is created and closed by one thread. Each publishing thread takes
 * its own {@link org.llmgine.bus.benchmarks.peer.TickPublisher} from {@link
 * org.llmgine.bus.benchmarks.peer.EventSystem#publisher(int)}; a publisher is not shared between
 * threads. Handlers may be called from several threads at once (the bus runs sessions in
 * parallel, Guava uses two pool threads, the Disruptor one thread per handler), so they must be
 * thread-safe. The package is exported because Guava's event bus calls the public
 * {@code @Subscribe} method of a subscriber reflectively, which on the module path it may only do
 * in an exported package.
 */
@NullMarked
package org.llmgine.bus.benchmarks.peer;

import org.jspecify.annotations.NullMarked;
