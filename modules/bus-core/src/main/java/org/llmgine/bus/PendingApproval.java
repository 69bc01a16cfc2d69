package org.llmgine.bus;

import java.time.Instant;
import java.util.Objects;
import org.jspecify.annotations.Nullable;
import org.llmgine.bus.message.Command;
import org.llmgine.bus.message.MessageId;

/**
 * An approval request waiting for a decision, as listed by {@link MessageBus#pendingApprovals()}.
 *
 * @param commandId the id to pass to {@link MessageBus#approve(MessageId)} or {@link MessageBus#deny(MessageId, String)}
 * @param command the command waiting
 * @param approver who is asked to decide
 * @param sessionId the command's session, or null for the bus scope
 * @param requestedAt when the request was made, on the bus's clock
 * @param expiresAt when it expires
 */
public record PendingApproval(MessageId commandId, Command<?> command, String approver, @Nullable String sessionId,
        Instant requestedAt, Instant expiresAt) {

    /**
     * Validates the record.
     *
     * @param commandId the id
     * @param command the command
     * @param approver the approver
     * @param sessionId the session or null
     * @param requestedAt the request time
     * @param expiresAt the expiry
     */
    public PendingApproval {
        Objects.requireNonNull(commandId, "commandId");
        Objects.requireNonNull(command, "command");
        Objects.requireNonNull(approver, "approver");
        Objects.requireNonNull(requestedAt, "requestedAt");
        Objects.requireNonNull(expiresAt, "expiresAt");
    }
}
