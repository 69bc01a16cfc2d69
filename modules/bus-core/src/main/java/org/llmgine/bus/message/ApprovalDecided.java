package org.llmgine.bus.message;

import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * The decision on an {@link ApprovalCommand}. Published in the command's scope, with its headers,
 * before its handler runs (approved) or its failure is returned (otherwise).
 *
 * @param commandId the command's id
 * @param command the command
 * @param decision what was decided
 * @param reason the reason given with a denial, or why it was cancelled; null otherwise
 */
public record ApprovalDecided(MessageId commandId, Command<?> command, Decision decision, @Nullable String reason)
        implements LifecycleEvent {

    /** What became of an approval request. */
    public enum Decision {
        /** Approved: the handler runs. */
        APPROVED,
        /** Denied, with a reason. */
        DENIED,
        /** Nobody decided before the request expired. */
        EXPIRED,
        /** The wait ended without a decision: the bus or the session closed, or the caller gave up. */
        CANCELLED
    }

    /**
     * Creates the event.
     *
     * @param commandId the command's id
     * @param command the command
     * @param decision the decision
     * @param reason the reason or null
     */
    public ApprovalDecided {
        Objects.requireNonNull(commandId, "commandId");
        Objects.requireNonNull(command, "command");
        Objects.requireNonNull(decision, "decision");
    }
}
