package org.llmgine.bus;

import java.time.Duration;
import java.util.Objects;

/**
 * What closing a session did.
 *
 * @param sessionId the session
 * @param drained true if its accepted events and running commands finished within the timeout (or
 *     there was nothing to wait for); false if work was still running (events left reach bus-scope
 *     handlers only) or the wait was skipped because the close came from the session's own handler
 * @param waited how long the close waited for the session's work
 * @param approvalsCancelled pending approvals it cancelled
 * @param commandsCancelled commands of the session still running when the drain timed out: they are
 *     cancelled (interrupted, result {@code Cancelled}) rather than left running without a session
 * @param scheduledCancelled pending scheduled events it cancelled ({@link ScheduledOnSessionClose#CANCEL})
 * @param scheduledKept pending scheduled events it left to fire later ({@link ScheduledOnSessionClose#KEEP})
 * @param expired true if the bus closed it because it was idle longer than its idle timeout
 */
public record SessionCloseReport(String sessionId, boolean drained, Duration waited, int approvalsCancelled,
        int commandsCancelled, int scheduledCancelled, int scheduledKept, boolean expired) {

    /**
     * Validates the report.
     *
     * @param sessionId the session
     * @param drained whether it drained
     * @param waited the wait
     * @param approvalsCancelled cancelled approvals
     * @param commandsCancelled commands cancelled after the drain timed out
     * @param scheduledCancelled cancelled scheduled events
     * @param scheduledKept kept scheduled events
     * @param expired whether idle expiry closed it
     */
    public SessionCloseReport {
        Objects.requireNonNull(sessionId, "sessionId");
        Objects.requireNonNull(waited, "waited");
    }
}
