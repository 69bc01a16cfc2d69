/**
 * The implementation of the bus. Not exported: nothing here is API.
 *
 * <p>Map of the pipeline: {@link org.llmgine.bus.internal.Publisher} runs filters and builds a
 * {@link org.llmgine.bus.internal.Delivery} (the envelope), the
 * {@link org.llmgine.bus.internal.EventQueue} bounds accepted, unfinished events and orders them
 * by priority ({@link org.llmgine.bus.internal.PriorityBuckets}), a dispatcher virtual thread of
 * {@link org.llmgine.bus.internal.DefaultMessageBus} routes each delivery to its
 * {@link org.llmgine.bus.internal.Lane} (one per session plus one for the bus scope), and a lane's
 * drainer runs {@link org.llmgine.bus.internal.EventDispatch} for its deliveries in order.
 * Commands run in {@link org.llmgine.bus.internal.CommandRun} under
 * {@link org.llmgine.bus.internal.Commands}, approval commands wait in
 * {@link org.llmgine.bus.internal.Approvals}, and scheduled events wait on the
 * {@link org.llmgine.bus.internal.Timer} ({@link org.llmgine.bus.internal.Schedules}). Every thread
 * comes from {@link org.llmgine.bus.internal.BusThreads}.
 */
@NullMarked
package org.llmgine.bus.internal;

import org.jspecify.annotations.NullMarked;
