package org.llmgine.bus.benchmarks.harness;

import org.llmgine.bus.message.Command;
import org.llmgine.bus.message.Event;

/**
 * The chaos scenario's workload: its event and command and the behaviours the harness draws for
 * them at random.
 */
final class ChaosMessages {

    /** Handled normally. */
    static final int NORMAL = 0;
    /** The failing handler throws (10 % of events and commands). */
    static final int FAIL = 1;
    /** The session handler (or command handler) sleeps briefly. */
    static final int SLOW = 2;
    /** The session handler sleeps long enough to back its lane up and fill the queue. */
    static final int STALL = 3;
    /** Sleeps until interrupted (10 s at most): what the close in mid-flight has to cancel. */
    static final int HANG = 4;

    private ChaosMessages() {
    }

    /**
     * A chaos event.
     *
     * @param seq the harness's unique sequence number of the event on its bus
     * @param owner the publisher thread that published it (the owner of its session)
     * @param declined whether the harness's filter declines it
     * @param behavior {@link #NORMAL}, {@link #FAIL}, {@link #SLOW}, {@link #STALL} or {@link #HANG}
     */
    record ChaosEvent(long seq, int owner, boolean declined, int behavior) implements Event {
    }

    /**
     * A chaos command; its handler answers {@code seq} unless it fails or is too slow.
     *
     * @param seq the command's sequence number
     * @param behavior {@link #NORMAL}, {@link #FAIL}, {@link #SLOW} or {@link #HANG}
     */
    record ChaosCommand(long seq, int behavior) implements Command<Long> {
    }

    /** What the failing handlers throw; without a stack trace, it is cheap. */
    static final class ChaosFailure extends RuntimeException {
        private static final long serialVersionUID = 1L;

        ChaosFailure() {
            super("chaos: deliberate handler failure", null, false, false);
        }
    }
}
