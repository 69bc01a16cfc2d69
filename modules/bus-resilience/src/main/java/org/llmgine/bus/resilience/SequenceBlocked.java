package org.llmgine.bus.resilience;

import java.util.Objects;
import org.llmgine.bus.message.FailureCause;
import org.llmgine.bus.message.MessageId;

/**
 * A message was not run because an earlier message of its sequence (same session, same handler)
 * is in a sequenced dead letter queue: it waits there behind it, and runs when that one is
 * replayed or purged.
 *
 * @param head the dead letter entry it waits behind
 */
public record SequenceBlocked(MessageId head) implements FailureCause.Other {

    /** Checks the fields. */
    public SequenceBlocked {
        Objects.requireNonNull(head, "head");
    }

    @Override
    public String describe() {
        return "held in the dead letter queue behind entry " + head + " of the same sequence";
    }
}
