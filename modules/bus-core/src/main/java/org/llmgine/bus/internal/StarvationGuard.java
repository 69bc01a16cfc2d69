package org.llmgine.bus.internal;

/**
 * The starvation guard of a priority-ordered queue: entries are taken from the most urgent level,
 * except that after {@code limit} takes that passed over an older entry waiting in a less urgent
 * level, the oldest waiting entry goes next. So low priority always progresses: before an entry is
 * taken, at most {@code limit × (older entries + 1)} newer ones overtake it.
 *
 * <p>Not thread-safe: its queue's consumer owns it.
 */
final class StarvationGuard {

    private final int limit;
    private int passedOver;

    StarvationGuard(int limit) {
        this.limit = limit;
    }

    /**
     * Returns the level to take from.
     *
     * @param mostUrgent the most urgent level that holds an entry
     * @param oldest the level whose first entry is the oldest
     * @param waiting how many levels hold an entry
     */
    int choose(int mostUrgent, int oldest, int waiting) {
        if (waiting <= 1 || oldest == mostUrgent) {
            passedOver = 0;
            return mostUrgent;
        }
        if (passedOver >= limit) {
            passedOver = 0;
            return oldest;
        }
        passedOver++;
        return mostUrgent;
    }

    /** Forgets the takes counted so far (the queue was emptied). */
    void reset() {
        passedOver = 0;
    }
}
