package org.llmgine.bus.internal;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.llmgine.bus.handler.Priority;

/**
 * Entries waiting to be taken, in five priority levels (one per named {@link Priority}), FIFO
 * within a level. {@link #poll()} takes from the most urgent non-empty level, with a starvation
 * guard: after {@code starvationLimit} takes that passed over an older entry waiting in a less
 * urgent level, the oldest waiting entry (lowest {@link Entry#order()}) goes next. So low priority
 * always progresses, and entries of one level keep their order.
 *
 * <p>Two kinds of entries use it: the deliveries in a lane's mailbox (ordered by event id) and the
 * lanes waiting for a worker (ordered by when they became ready).
 *
 * <p>Not thread-safe: each lane uses it under its lock, the worker pool under its lock.
 *
 * @param <T> the kind of entry
 */
final class PriorityBuckets<T extends PriorityBuckets.Entry> {

    /** Number of levels. */
    static final int LEVELS = 5;

    /** What the buckets order: a level (0 most urgent) and an age within all levels. */
    interface Entry {
        /** Returns the level, 0 to {@code LEVELS - 1}; fixed while the entry waits. */
        int level();

        /** Returns the entry's age: lower is older; fixed while the entry waits. */
        long order();
    }

    @SuppressWarnings({"unchecked", "rawtypes"}) // a generic array of deques, never exposed
    private final @Nullable ArrayDeque<T>[] levels = new ArrayDeque[LEVELS];
    private final int starvationLimit;
    /** Bit {@code i} is set while level {@code i} is not empty. */
    private int nonEmpty;
    private int size;
    private int passedOver;

    PriorityBuckets(int starvationLimit) {
        this.starvationLimit = starvationLimit;
    }

    /** The deque of a level, created on first use: most lanes only ever see one priority. */
    private ArrayDeque<T> level(int index) {
        ArrayDeque<T> level = levels[index];
        if (level == null) {
            level = new ArrayDeque<>();
            levels[index] = level;
        }
        return level;
    }

    /**
     * Returns the level of a priority: the named level at or below it in number (as urgent or
     * more): 0-9 HIGHEST, 10-49 HIGH, 50-89 NORMAL, 90-99 LOW, 100 LOWEST.
     */
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

    void add(T entry) {
        int index = entry.level();
        level(index).addLast(entry);
        nonEmpty |= 1 << index;
        size++;
    }

    int size() {
        return size;
    }

    boolean isEmpty() {
        return size == 0;
    }

    /** Returns the most urgent level that holds an entry; only valid when not empty. */
    int mostUrgentLevel() {
        return Integer.numberOfTrailingZeros(nonEmpty);
    }

    /** Takes the next entry by priority and the starvation guard, or null if empty. */
    @Nullable T poll() {
        if (size == 0) {
            return null;
        }
        int chosen = Integer.numberOfTrailingZeros(nonEmpty);
        if ((nonEmpty & (nonEmpty - 1)) != 0) { // more than one level waits
            int oldest = oldestLevel();
            if (oldest == chosen) {
                passedOver = 0;
            } else if (passedOver >= starvationLimit) {
                chosen = oldest;
                passedOver = 0;
            } else {
                passedOver++;
            }
        } else {
            passedOver = 0;
        }
        ArrayDeque<T> level = level(chosen);
        T next = level.pollFirst();
        if (level.isEmpty()) {
            nonEmpty &= ~(1 << chosen);
        }
        size--;
        return next;
    }

    private int oldestLevel() {
        int oldest = -1;
        long oldestOrder = Long.MAX_VALUE;
        for (int bits = nonEmpty; bits != 0; bits &= bits - 1) {
            int level = Integer.numberOfTrailingZeros(bits);
            long order = level(level).peekFirst().order();
            if (order < oldestOrder) {
                oldestOrder = order;
                oldest = level;
            }
        }
        return oldest;
    }

    /** Removes {@code entry} if it waits here (scanning its level from the oldest); true if it did. */
    boolean remove(T entry) {
        ArrayDeque<T> level = levels[entry.level()];
        if (level == null || !level.removeFirstOccurrence(entry)) {
            return false;
        }
        if (level.isEmpty()) {
            nonEmpty &= ~(1 << entry.level());
        }
        size--;
        return true;
    }

    /** Removes and returns every entry, oldest first. */
    List<T> removeAll() {
        var all = new ArrayList<T>(size);
        for (ArrayDeque<T> level : levels) {
            if (level != null) {
                all.addAll(level);
                level.clear();
            }
        }
        all.sort(Comparator.comparingLong(Entry::order));
        nonEmpty = 0;
        size = 0;
        passedOver = 0;
        return all;
    }
}
