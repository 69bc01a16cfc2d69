package org.llmgine.bus;

import java.time.Duration;
import java.util.List;

/**
 * What {@code close()} did: whether everything drained within the deadline and, if not, what was
 * cut short. Nothing is dropped silently: events that never started and events whose handlers were
 * interrupted are listed, interrupted commands and threads that ignored interruption are counted.
 *
 * @param drained true if every accepted event and running command finished before the deadline
 * @param waited how long close waited for the drain
 * @param returned accepted events that were never dispatched, in acceptance order
 * @param cancelled accepted events whose handlers were interrupted, in acceptance order
 * @param cancelledCommands command executions that were interrupted
 * @param threadsStillRunning bus threads that had not stopped when close gave up waiting for them
 * @param scheduledStored scheduled events still pending at close; they stay in the bus's
 *     {@code ScheduledEventStore} (written when they were scheduled) for the next bus on that store
 */
public record CloseReport(boolean drained, Duration waited, List<UnfinishedEvent> returned,
        List<UnfinishedEvent> cancelled, long cancelledCommands, int threadsStillRunning, int scheduledStored) {

    /**
     * Creates a report.
     *
     * @param drained whether everything drained
     * @param waited the time spent waiting
     * @param returned the returned events
     * @param cancelled the interrupted events
     * @param cancelledCommands the number of interrupted commands
     * @param threadsStillRunning the number of threads still running
     * @param scheduledStored the number of scheduled events left pending in the store
     */
    public CloseReport {
        java.util.Objects.requireNonNull(waited, "waited");
        returned = List.copyOf(returned);
        cancelled = List.copyOf(cancelled);
    }

    /**
     * Tells whether close finished everything cleanly: drained, nothing returned, cancelled or left
     * running. Scheduled events left in the store do not make a close unclean.
     *
     * @return true for a clean close
     */
    public boolean clean() {
        return drained && returned.isEmpty() && cancelled.isEmpty() && cancelledCommands == 0
                && threadsStillRunning == 0;
    }
}
