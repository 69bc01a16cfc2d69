package org.llmgine.bus.internal;

import org.llmgine.bus.handler.Priority;

/**
 * The five priority levels of mailboxes and of the ready queue, one per named {@link Priority}: a
 * priority (0-100) belongs to the named level at or below it in number (as urgent or more).
 */
final class Priorities {

    /** Number of levels. */
    static final int LEVELS = 5;

    private Priorities() {
    }

    /** Returns the level of a priority: 0-9 HIGHEST, 10-49 HIGH, 50-89 NORMAL, 90-99 LOW, 100 LOWEST. */
    static int levelOf(int priority) {
        if (priority < Priority.HIGH) {
            return 0;
        } else if (priority < Priority.NORMAL) {
            return 1;
        } else if (priority < Priority.LOW) {
            return 2;
        } else if (priority < Priority.LOWEST) {
            return 3;
        }
        return 4;
    }
}
