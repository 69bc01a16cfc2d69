package org.llmgine.bus;

import java.time.Duration;
import java.util.List;
import org.llmgine.bus.spi.StoredScheduledEvent;

/**
 * What {@code close()} did: whether everything drained within the deadline and, if not, what was
 * cut short. Nothing is dropped silently: events that never started are listed, interrupted work
 * is counted, and threads that ignored interruption are counted too.
 *
 * @param drained true if every accepted event and running command finished before the deadline
 * @param waited how long close waited for the drain
 * @param returned accepted events that were never dispatched, in acceptance order per session
 * @param cancelledEvents events whose handlers were interrupted
 * @param cancelledCommands command executions that were interrupted
 * @param threadsStillRunning bus threads that had not stopped when close gave up waiting for them
 * @param scheduledSaved scheduled events still pending at close, handed to the bus's
 *     {@code ScheduledEventStore}
 * @param scheduledNotSaved pending scheduled events the store failed to take (logged at ERROR)
 */
public record CloseReport(boolean drained, Duration waited, List<ReturnedEvent> returned, long cancelledEvents,
        long cancelledCommands, int threadsStillRunning, int scheduledSaved,
        List<StoredScheduledEvent> scheduledNotSaved) {

    /**
     * Creates a report.
     *
     * @param drained whether everything drained
     * @param waited the time spent waiting
     * @param returned the returned events
     * @param cancelledEvents the number of interrupted events
     * @param cancelledCommands the number of interrupted commands
     * @param threadsStillRunning the number of threads still running
     * @param scheduledSaved the number of scheduled events saved to the store
     * @param scheduledNotSaved the scheduled events the store failed to take
     */
    public CloseReport {
        returned = List.copyOf(returned);
        scheduledNotSaved = List.copyOf(scheduledNotSaved);
    }

    /**
     * Tells whether close finished everything cleanly: drained, nothing returned, cancelled, left
     * running or lost. Scheduled events saved to the store do not make a close unclean.
     *
     * @return true for a clean close
     */
    public boolean clean() {
        return drained && returned.isEmpty() && cancelledEvents == 0 && cancelledCommands == 0
                && threadsStillRunning == 0 && scheduledNotSaved.isEmpty();
    }
}
