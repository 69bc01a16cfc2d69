/**
 * The observer SPI: how a metrics binding (or any monitoring code) watches a bus without the core
 * depending on it. Implement {@link org.llmgine.bus.spi.BusObserver} and add it with
 * {@link org.llmgine.bus.MessageBus.Builder#addObserver}.
 *
 * <p><b>Threading.</b> Callbacks run synchronously on the thread doing the work (publisher,
 * dispatcher, handler or command thread), many at once: implementations must be thread-safe, fast
 * and non-blocking. An exception thrown by a callback is logged and swallowed; it never reaches the
 * bus's callers. A bus without observers skips the callbacks and their timing entirely.
 */
@NullMarked
package org.llmgine.bus.spi;

import org.jspecify.annotations.NullMarked;
