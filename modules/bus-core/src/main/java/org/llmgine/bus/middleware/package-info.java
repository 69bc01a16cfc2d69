/**
 * Middleware: code that wraps every command execution ({@link org.llmgine.bus.middleware.CommandMiddleware})
 * or every event handler invocation ({@link org.llmgine.bus.middleware.EventMiddleware}), with two
 * built-ins, {@link org.llmgine.bus.middleware.LoggingMiddleware} and
 * {@link org.llmgine.bus.middleware.TimingMiddleware}.
 *
 * <p>Middleware is added to the bus builder; the first added is the outermost, so with
 * {@code addCommandMiddleware(a).addCommandMiddleware(b)} a call runs
 * {@code a-before, b-before, handler, b-after, a-after}. Middleware runs on the handler's virtual
 * thread and must be thread-safe: many handlers run at once. An exception thrown by middleware is
 * treated exactly like one thrown by the handler.
 */
@NullMarked
package org.llmgine.bus.middleware;

import org.jspecify.annotations.NullMarked;
