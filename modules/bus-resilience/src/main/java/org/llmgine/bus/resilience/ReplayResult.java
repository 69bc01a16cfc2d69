package org.llmgine.bus.resilience;

import java.util.Objects;
import org.llmgine.bus.message.CommandResult;
import org.llmgine.bus.message.MessageId;

/**
 * What {@link DeadLetterQueue#replay} did: every case is a value, so an unknown id is never
 * confused with a replay that failed.
 */
public sealed interface ReplayResult {

    /**
     * The message ran through its pipeline again and succeeded; the entry was removed.
     *
     * @param entry the entry as it was
     * @param result the command's result ({@code CommandResult.done()} for an event)
     * @param released how many messages held behind it ran after it, in order, and succeeded
     */
    record Replayed(DeadLetter entry, CommandResult<?> result, int released) implements ReplayResult {
        /** Checks the fields. */
        public Replayed {
            Objects.requireNonNull(entry, "entry");
            Objects.requireNonNull(result, "result");
        }
    }

    /**
     * The message ran again and failed again; the entry stays, with the new cause and attempts.
     *
     * @param entry the entry as it is now
     */
    record StillFailing(DeadLetter entry) implements ReplayResult {
        /** Checks the fields. */
        public StillFailing {
            Objects.requireNonNull(entry, "entry");
        }
    }

    /**
     * The message did not run; the entry stays as it was.
     *
     * @param entry the entry
     * @param reason why, for example the session is closed or an earlier entry of its sequence waits
     */
    record NotReplayed(DeadLetter entry, String reason) implements ReplayResult {
        /** Checks the fields. */
        public NotReplayed {
            Objects.requireNonNull(entry, "entry");
            Objects.requireNonNull(reason, "reason");
        }
    }

    /**
     * The message runs again but did not finish within the replay timeout. The entry stays; when
     * the run ends its result settles the entry (removed on success, updated on failure), unless
     * the entry was purged or is being replayed again by then. An event replayed to every handler
     * (a DROP_OLDEST victim) is not settled later: replay it again or purge it.
     *
     * @param entry the entry
     * @param timeout the replay timeout it ran past
     */
    record StillRunning(DeadLetter entry, java.time.Duration timeout) implements ReplayResult {
        /** Checks the fields. */
        public StillRunning {
            Objects.requireNonNull(entry, "entry");
            Objects.requireNonNull(timeout, "timeout");
        }
    }

    /**
     * No entry has this id (never added, or already replayed, purged or evicted).
     *
     * @param id the id asked for
     */
    record UnknownId(MessageId id) implements ReplayResult {
        /** Checks the fields. */
        public UnknownId {
            Objects.requireNonNull(id, "id");
        }
    }
}
