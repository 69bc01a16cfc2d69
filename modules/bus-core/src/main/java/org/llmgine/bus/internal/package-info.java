/**
 * The implementation of the bus. Not exported: nothing here is API.
 *
 * <p>Map of the pipeline: {@link org.llmgine.bus.internal.Publisher} runs filters and builds a
 * {@link org.llmgine.bus.internal.Delivery} (the envelope), which goes straight into its
 * {@link org.llmgine.bus.internal.Lane} (one per session plus one for the bus scope; its
 * {@link org.llmgine.bus.internal.Mailbox} is ordered by priority) under the exact bound of
 * {@link org.llmgine.bus.internal.Admission} (with {@link org.llmgine.bus.internal.Evictions} under
 * DROP_OLDEST and {@link org.llmgine.bus.internal.WaterMarks} for backpressure). A lane that has work
 * waits in the {@link org.llmgine.bus.internal.ReadyQueue} of {@link org.llmgine.bus.internal.Workers}, whose long-lived worker
 * threads serve it ({@link org.llmgine.bus.internal.LaneRunner}) and run its deliveries in order
 * through {@link org.llmgine.bus.internal.EventDispatch}. Commands run in
 * {@link org.llmgine.bus.internal.CommandRun} under {@link org.llmgine.bus.internal.Commands},
 * approval commands wait in {@link org.llmgine.bus.internal.Approvals}, and scheduled events wait on
 * the {@link org.llmgine.bus.internal.Timer} ({@link org.llmgine.bus.internal.Schedules}). Close is
 * {@link org.llmgine.bus.internal.Shutdown}. Every thread comes from
 * {@link org.llmgine.bus.internal.BusThreads}.
 */
@NullMarked
package org.llmgine.bus.internal;

import org.jspecify.annotations.NullMarked;
