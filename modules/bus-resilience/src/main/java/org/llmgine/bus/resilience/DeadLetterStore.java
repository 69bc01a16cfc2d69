package org.llmgine.bus.resilience;

import org.llmgine.bus.spi.WriteThroughStore;

/**
 * Where a {@link DeadLetterQueue} keeps its entries so they survive a restart: the same
 * write-through shape as the scheduled-event store. The queue writes every entry it adds, completes
 * an entry replayed with success, cancels a purged or evicted one, claims an entry before replaying
 * it (so two queues sharing a store never replay the same entry) and reads {@code pending()} when
 * it is built. {@link InMemoryDeadLetterStore} is included; a JDBC store is a module of its own.
 * Implementations must be thread-safe.
 */
public interface DeadLetterStore extends WriteThroughStore<DeadLetter> {
}
