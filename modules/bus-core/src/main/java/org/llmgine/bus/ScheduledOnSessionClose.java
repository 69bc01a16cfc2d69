package org.llmgine.bus;

/**
 * What a session's close does to the events scheduled in it that are still pending
 * ({@code MessageBus.Builder#scheduledOnSessionClose}).
 */
public enum ScheduledOnSessionClose {
    /**
     * The default: they stay pending (in the store too) and fire at their due time into the session
     * then open under the same id, so a conversation closed and reopened (or reopened on a restarted
     * bus) gets its reminders; with no session open under that id, only bus-scope handlers see them.
     */
    KEEP,
    /** They are cancelled with the session, as its pending approvals are, and removed from the store. */
    CANCEL
}
