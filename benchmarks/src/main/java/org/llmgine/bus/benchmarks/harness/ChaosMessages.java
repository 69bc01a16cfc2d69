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
    /**
     * The failing handler throws at every attempt: the event handler's retry and the command's
     * retries are exhausted.
     */
    static final int FAIL = 1;
    /** The session handler sleeps briefly. */
    static final int SLOW = 2;
    /** The session handler sleeps long enough to back its lane up and fill the queue. */
    static final int STALL = 3;
    /** Sleeps until interrupted (10 s at most): what the close in mid-flight has to cancel. */
    static final int HANG = 4;
    /**
     * Fails transiently: the failing event handler throws at its first attempt only, the command
     * handler at its first {@code 1 + seq % 2} attempts, so a retry succeeds.
     */
    static final int TRANSIENT = 5;
    /** The command handler blocks (200 ms) past the attempt timeout, which interrupts it. */
    static final int BLOCK = 6;

    private ChaosMessages() {
    }

    /**
     * A chaos event.
     *
     * @param seq the harness's unique sequence number of the event on its bus
     * @param owner the publisher thread that published it (the owner of its session)
     * @param declined whether the harness's filter declines it
     * @param behavior {@link #NORMAL}, {@link #FAIL}, {@link #TRANSIENT}, {@link #SLOW}, {@link #STALL}
     *     or {@link #HANG}
     */
    record ChaosEvent(long seq, int owner, boolean declined, int behavior) implements Event {
    }

    /**
     * A chaos command, guarded by the run's resilience pipeline; its handler answers {@code seq}
     * unless it fails or blocks.
     *
     * @param seq the command's sequence number
     * @param behavior {@link #NORMAL}, {@link #FAIL}, {@link #TRANSIENT} or {@link #BLOCK}
     */
    record ChaosCommand(long seq, int behavior) implements Command<Long> {
    }

    /**
     * The command that hangs (until interrupted) while the bus closes, for the close to cancel;
     * no pipeline guards it, so no attempt timeout cuts it short first.
     */
    record ClosingCommand() implements Command<Long> {
    }

    /** What the failing command handler throws; without a stack trace, it is cheap. */
    static final class ChaosFailure extends RuntimeException {
        private static final long serialVersionUID = 1L;

        ChaosFailure() {
            super("chaos: deliberate handler failure", null, false, false);
        }
    }

    /**
     * What the failing event handler throws: a type of its own, so the policy can keep event
     * failures out of the dead letter queue.
     */
    static final class ChaosEventFailure extends RuntimeException {
        private static final long serialVersionUID = 1L;

        ChaosEventFailure() {
            super("chaos: deliberate event handler failure", null, false, false);
        }
    }
}
