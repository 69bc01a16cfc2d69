package org.llmgine.bus.spi;

/**
 * The write-through store of a bus's scheduled events ({@link WriteThroughStore}): the bus adds an
 * entry when an event is scheduled, claims it with a lease and completes it when it fires, cancels
 * it when the handle (or the session's close, under {@code ScheduledOnSessionClose.CANCEL}) cancels
 * it, and schedules every pending entry when it starts. A bus that crashed without closing leaves
 * its entries pending, so its successor on the same store fires them: at least once (an event that
 * fired just before the crash, before its entry was completed, fires again).
 *
 * <p>{@link InMemoryScheduledEventStore} is the default (it survives a bus, not the process); the
 * store module provides JDBC stores.
 */
public interface ScheduledEventStore extends WriteThroughStore<StoredScheduledEvent> {
}
