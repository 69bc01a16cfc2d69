package org.llmgine.bus.message;

import java.time.Duration;

/**
 * A command that needs a decision before its handler runs: executing it publishes
 * {@link ApprovalRequested}, then waits (without polling) for {@code MessageBus.approve(id)},
 * {@code MessageBus.deny(id, reason)}, or the approval timeout. Approved, the handler runs through
 * the normal command middleware; denied or expired, the result is a failure with
 * {@link FailureCause.ApprovalDenied} or {@link FailureCause.ApprovalExpired}. Either way an
 * {@link ApprovalDecided} event records the decision.
 *
 * <pre>{@code
 * record DeleteRepository(String name) implements ApprovalCommand<Boolean> {
 *     public String approver() { return "ops-team"; }
 * }
 * }</pre>
 *
 * @param <R> the type of the value a successful execution produces
 */
public interface ApprovalCommand<R> extends Command<R> {

    /** How long an approval request stays open when a command does not say: one hour. */
    Duration DEFAULT_APPROVAL_TIMEOUT = Duration.ofHours(1);

    /**
     * Returns who is asked to decide, for the request event and the list of pending approvals.
     *
     * @return the approver (a person, a team, a policy), not blank
     */
    String approver();

    /**
     * Returns how long the request stays open before it expires, on the bus's clock.
     *
     * @return a positive duration; {@link #DEFAULT_APPROVAL_TIMEOUT} unless overridden
     */
    default Duration approvalTimeout() {
        return DEFAULT_APPROVAL_TIMEOUT;
    }
}
