package org.llmgine.bus.message;

import java.time.Instant;
import java.util.Objects;

/**
 * An {@link ApprovalCommand} is waiting for a decision. Published in the command's scope, with its
 * headers, before the command waits.
 *
 * @param commandId the id to pass to {@code approve} or {@code deny}
 * @param command the command
 * @param approver who is asked to decide
 * @param expiresAt when the request expires, on the bus's clock
 */
public record ApprovalRequested(MessageId commandId, Command<?> command, String approver, Instant expiresAt)
        implements LifecycleEvent {

    /**
     * Creates the event.
     *
     * @param commandId the command's id
     * @param command the command
     * @param approver the approver
     * @param expiresAt the expiry
     */
    public ApprovalRequested {
        Objects.requireNonNull(commandId, "commandId");
        Objects.requireNonNull(command, "command");
        Objects.requireNonNull(approver, "approver");
        Objects.requireNonNull(expiresAt, "expiresAt");
    }
}
