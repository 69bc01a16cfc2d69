package org.llmgine.bus.internal;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.llmgine.bus.handler.Priority;

/**
 * Deliveries waiting to be taken, in five priority levels (one per named {@link Priority}), FIFO
 * within a level. {@link #poll()} takes from the most urgent non-empty level, with a starvation
 * guard: after {@code starvationLimit} takes that passed over an older event waiting in a less
 * urgent level, the oldest waiting event (lowest id) goes next. So low priority always progresses,
 * and events of one level keep their acceptance order.
 *
 * <p>Not thread-safe: the central queue uses it under its lock, each lane under the lane's lock.
 */
final class PriorityBuckets {

    /** Number of levels. */
    static final int LEVELS = 5;

    @SuppressWarnings({"unchecked", "rawtypes"}) // a generic array of deques, never exposed
    private final @Nullable ArrayDeque<Delivery>[] levels = new ArrayDeque[LEVELS];
    private final int starvationLimit;
    /** Bit {@code i} is set while level {@code i} is not empty. */
    private int nonEmpty;
    private int size;
    private int passedOver;

    PriorityBuckets(int starvationLimit) {
        this.starvationLimit = starvationLimit;
    }

    /** The deque of a level, created on first use: most lanes only ever see one priority. */
    private ArrayDeque<Delivery> level(int index) {
        ArrayDeque<Delivery> level = levels[index];
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

    void add(Delivery delivery) {
        level(delivery.level).addLast(delivery);
        nonEmpty |= 1 << delivery.level;
        size++;
    }

    int size() {
        return size;
    }

    boolean isEmpty() {
        return size == 0;
    }

    /** Takes the next delivery by priority and the starvation guard, or null if empty. */
    @Nullable Delivery poll() {
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
        ArrayDeque<Delivery> level = level(chosen);
        Delivery next = level.pollFirst();
        if (level.isEmpty()) {
            nonEmpty &= ~(1 << chosen);
        }
        size--;
        return next;
    }

    private int oldestLevel() {
        int oldest = -1;
        long oldestId = Long.MAX_VALUE;
        for (int bits = nonEmpty; bits != 0; bits &= bits - 1) {
            int level = Integer.numberOfTrailingZeros(bits);
            long id = level(level).peekFirst().id;
            if (id < oldestId) {
                oldestId = id;
                oldest = level;
            }
        }
        return oldest;
    }

    /** Removes {@code delivery} if it is at the head of its level (where an evicted oldest one waits). */
    boolean removeIfHead(Delivery delivery) {
        ArrayDeque<Delivery> level = levels[delivery.level];
        if (level == null || level.peekFirst() != delivery) {
            return false;
        }
        level.pollFirst();
        if (level.isEmpty()) {
            nonEmpty &= ~(1 << delivery.level);
        }
        size--;
        return true;
    }

    /** Removes and returns every delivery, in acceptance order. */
    List<Delivery> removeAll() {
        var all = new ArrayList<Delivery>(size);
        for (ArrayDeque<Delivery> level : levels) {
            if (level != null) {
                all.addAll(level);
                level.clear();
            }
        }
        all.sort(Comparator.comparingLong(d -> d.id));
        nonEmpty = 0;
        size = 0;
        passedOver = 0;
        return all;
    }
}
