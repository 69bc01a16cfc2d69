/**
 * The bus: {@link org.llmgine.bus.MessageBus} (built with {@link org.llmgine.bus.MessageBus#builder()}),
 * its {@link org.llmgine.bus.Session sessions}, configuration, and the outcomes of publishing and
 * closing.
 *
 * <p><b>Threading.</b> Every method of {@link org.llmgine.bus.MessageBus} and
 * {@link org.llmgine.bus.Session} is safe to call from any thread. {@code publish} returns once the
 * event is accepted or rejected; with the BLOCK strategy it may wait up to the publish timeout for
 * room in the queue. {@code execute}, {@code publishAndWait}, {@code awaitIdle} and
 * {@code close} block the caller; handlers run on virtual threads owned by the bus. A thread that
 * would wait for its own work (a handler waiting for an event of its own session, or for the bus
 * to become idle) gets a {@link org.llmgine.bus.WouldDeadlockException} instead of hanging.
 */
@NullMarked
package org.llmgine.bus;

import org.jspecify.annotations.NullMarked;
