package org.llmgine.bus.resilience;

import org.llmgine.bus.spi.InMemoryWriteThroughStore;

/**
 * A {@link DeadLetterStore} in memory, in the order entries were added: entries outlive a queue
 * (and its bus) for a new queue built with the same store, in the same process. Every
 * {@link DeadLetterQueue} has one unless given another.
 */
public final class InMemoryDeadLetterStore extends InMemoryWriteThroughStore<DeadLetter> implements DeadLetterStore {

    /** Creates an empty store. */
    public InMemoryDeadLetterStore() {
        super("dead letter");
    }
}
