package org.llmgine.bus.internal;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * A lane's waiting deliveries: five priority levels (one per named priority), FIFO within a level,
 * with the {@link StarvationGuard}, as an intrusive linked list per level
 * (deliveries are the nodes, so adding allocates nothing).
 *
 * <p>Many producers, one consumer, after Vyukov's intrusive queue. Each level starts at a stub node;
 * {@code head} is the node consumed last (or the stub), and the next delivery is {@code head.next}.
 * Producers add under the lane's lock, one at a time, which keeps a lane's ids in mailbox order:
 * they move {@code tail} and then link the old tail to the new node (a release store). The consumer
 * takes without any lock and writes only {@code head}; it never touches a line a producer writes
 * except to read the link it waits for, so a lane streaming between two cores moves about one line
 * per event. When the lane goes idle, its holder puts the stub back under the lane's lock
 * ({@link #reset()}), so an idle lane never keeps a handled event (and its payload) alive. A take
 * clears the link of the node it steps off ({@link #pollFrom}), so neither the stub nor a consumed
 * delivery (perhaps kept by a handler as its context) keeps the ones after it alive.
 *
 * <p>Under DROP_OLDEST the consumer takes under the lane's lock too, so that an eviction (also under
 * the lock) may unlink a delivery anywhere in a level.
 */
final class Mailbox {

    private static final VarHandle NEXT;
    private static final VarHandle HEAD;

    static {
        try {
            MethodHandles.Lookup lookup = MethodHandles.lookup();
            NEXT = lookup.findVarHandle(Node.class, "next", Node.class);
            HEAD = lookup.findVarHandle(LevelHead.class, "head", Node.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** A node of a mailbox list: every {@link Delivery}, and each level's stub. */
    static class Node {
        @SuppressWarnings("unused") // accessed through NEXT
        @Nullable Node next;
    }

    /** A level's {@code head}, written by the consumer only. */
    abstract static class LevelHead {
        @SuppressWarnings("unused") // accessed through HEAD
        Node head;

        LevelHead(Node head) {
            this.head = head;
        }
    }

    /** Keeps {@code tail} off {@code head}'s cache line. */
    abstract static class LevelPad extends LevelHead {
        long p01, p02, p03, p04, p05, p06, p07, p08;

        LevelPad(Node head) {
            super(head);
        }
    }

    /**
     * One level's list; {@code tail} and {@code adds} are guarded by the lane's lock. {@code adds}
     * sits beside {@code tail} on the producers' cache line, so counting costs a publish nothing the
     * tail write does not already pay.
     */
    static final class Level extends LevelPad {
        final Node stub;
        Node tail;
        int adds;

        Level(Node stub) {
            super(stub);
            this.stub = stub;
            this.tail = stub;
        }
    }

    private final int starvationLimit;
    /** Made when a second level is used (one level needs no guard). */
    private @Nullable StarvationGuard guard;
    /** Levels by index, made on the first add (a lane that never receives an event holds none). */
    private @Nullable Level[] levels = NO_LEVELS;
    /** Bit {@code i} is set once {@code levels[i]} exists; the volatile write publishes the level. */
    private volatile int created;
    private static final Level[] NO_LEVELS = new Level[0];

    Mailbox(int starvationLimit) {
        this.starvationLimit = starvationLimit;
    }

    private @Nullable Level levelAt(int index) {
        @Nullable Level[] all = levels;
        return all.length == 0 ? null : all[index];
    }

    private static @Nullable Node nextOf(Node node) {
        return (Node) NEXT.getAcquire(node);
    }

    private static Node headOf(Level level) {
        return (Node) HEAD.getAcquire(level);
    }

    // ---------------------------------------------------------------- producers (lane lock held)

    void add(Delivery delivery) {
        int index = delivery.level();
        if (levels.length == 0) {
            levels = new Level[Priorities.LEVELS];
        }
        Level level = levels[index];
        if (level == null) {
            level = new Level(new Node());
            levels[index] = level;
            if (created != 0 && guard == null) {
                guard = new StarvationGuard(starvationLimit);
            }
            created |= 1 << index; // the volatile write publishes the array and the level to the consumer
        }
        Node last = level.tail;
        level.tail = delivery;
        level.adds++;
        NEXT.setRelease(last, delivery);
    }

    /**
     * Returns how many deliveries were ever added (a racy read from any thread: idle expiry only
     * needs to see whether it moved).
     */
    int adds() {
        int sum = 0;
        for (Level level : levels) {
            if (level != null) {
                sum += level.adds;
            }
        }
        return sum;
    }

    // ---------------------------------------------------------------- the consumer

    /** Tells whether no delivery waits; exact for the consumer, a moment's view for anyone else. */
    boolean isEmpty() {
        for (int bits = created; bits != 0; bits &= bits - 1) {
            if (nextOf(headOf(levels[Integer.numberOfTrailingZeros(bits)])) != null) {
                return false;
            }
        }
        return true;
    }

    /** The most urgent level holding a delivery, or the last level if none does (consumer). */
    int mostUrgentLevel() {
        for (int bits = created; bits != 0; bits &= bits - 1) {
            int index = Integer.numberOfTrailingZeros(bits);
            if (nextOf(headOf(levels[index])) != null) {
                return index;
            }
        }
        return Priorities.LEVELS - 1;
    }

    /** The id of the oldest waiting delivery, or 0 if none waits (consumer). */
    long oldestId() {
        long oldest = Long.MAX_VALUE;
        for (int bits = created; bits != 0; bits &= bits - 1) {
            Node first = nextOf(headOf(levels[Integer.numberOfTrailingZeros(bits)]));
            if (first != null) {
                oldest = Math.min(oldest, ((Delivery) first).id);
            }
        }
        return oldest == Long.MAX_VALUE ? 0 : oldest;
    }

    /** Takes up to {@code into.length} deliveries in order (consumer); returns how many. */
    int take(Delivery[] into) {
        int n = 0;
        while (n < into.length) {
            Delivery next = poll();
            if (next == null) {
                break;
            }
            into[n++] = next;
        }
        return n;
    }

    /**
     * Takes the next delivery by priority and the starvation guard, or null if none waits.
     *
     * <p>The levels are read from {@code created} first, and the chosen delivery after: a delivery
     * linked after a more urgent level was created (its producer wrote {@code created} before it
     * linked) can therefore be seen while {@code created} was read stale, without that level. So
     * once a delivery is chosen, {@code created} is read again, and if a level appeared meanwhile
     * the choice is made again. Within the levels it has, {@link #choose} reads the least urgent
     * first, so a more urgent level it reads later and finds empty holds nothing older. Together an
     * older, more urgent event is never taken after a newer, less urgent one
     * ({@code QueuePropertiesTest}, {@code PriorityOrderStressTest}). A choice made again counts once
     * more in the starvation guard: it may let the oldest event go one take early, never late.
     */
    @Nullable Delivery poll() {
        while (true) {
            int bits = created;
            Level level = choose(bits);
            if (level == null) {
                return null;
            }
            if (created == bits) {
                return pollFrom(level);
            }
        }
    }

    /** The level to take from among those in {@code bits}, or null if none waits (consumer). */
    private @Nullable Level choose(int bits) {
        if ((bits & (bits - 1)) == 0) { // one level: the common case
            if (bits == 0) {
                return null;
            }
            Level only = levels[Integer.numberOfTrailingZeros(bits)];
            return nextOf(headOf(only)) == null ? null : only;
        }
        int chosen = -1;
        int oldest = -1;
        long oldestId = Long.MAX_VALUE;
        int waiting = 0;
        // Least urgent level first: once a delivery is seen (an acquire read of its link), every
        // older one is visible (each was linked, under the lane lock, before it), so a more urgent
        // level read after it and found empty holds nothing older than it. Read most urgent first,
        // a level found empty could receive an older event before a less urgent one was read, and
        // the newer, less urgent event would be taken first (a stress test caught that).
        for (int rest = bits; rest != 0; ) {
            int index = 31 - Integer.numberOfLeadingZeros(rest);
            rest &= ~(1 << index);
            Node first = nextOf(headOf(levels[index]));
            if (first != null) {
                waiting++;
                chosen = index; // the last one seen is the most urgent
                long id = ((Delivery) first).id;
                if (id < oldestId) {
                    oldestId = id;
                    oldest = index;
                }
            }
        }
        StarvationGuard starvation = guard;
        return chosen < 0 ? null : levels[starvation == null ? chosen : starvation.choose(chosen, oldest, waiting)];
    }

    /**
     * Takes the delivery after the level's head and makes it the head, clearing the old head's link:
     * a node with a successor is no longer the tail, so no producer writes its link again, and a
     * consumed delivery (or the stub) linking on would keep every later one alive, payloads and
     * all, for as long as the lane streams (or a handler keeps its context).
     */
    private static @Nullable Delivery pollFrom(Level level) {
        Node head = headOf(level);
        Node next = nextOf(head);
        if (next == null) {
            return null;
        }
        HEAD.setRelease(level, next);
        NEXT.setOpaque(head, null);
        return (Delivery) next;
    }

    /**
     * Puts each empty level back on its stub (lane lock held, by the holder letting the lane go),
     * so no handled delivery stays referenced by an idle lane.
     */
    void reset() {
        for (int bits = created; bits != 0; bits &= bits - 1) {
            Level level = levels[Integer.numberOfTrailingZeros(bits)];
            Node head = headOf(level);
            if (head != level.stub && nextOf(head) == null) {
                NEXT.setOpaque(level.stub, null);
                level.tail = level.stub;
                HEAD.setRelease(level, level.stub);
                NEXT.setOpaque(head, null);
            }
        }
    }

    // ---------------------------------------------------------------- eviction and close (lane lock held)

    /**
     * Unlinks a delivery wherever it waits (DROP_OLDEST: producers and the consumer hold the lane's
     * lock, so the level is still); true if it was here.
     */
    boolean remove(Delivery delivery) {
        Level level = levelAt(delivery.level());
        if (level == null) {
            return false;
        }
        Node before = headOf(level);
        for (Node node = nextOf(before); node != null; before = node, node = nextOf(node)) {
            if (node == delivery) {
                NEXT.setRelease(before, nextOf(node));
                if (level.tail == node) {
                    level.tail = before;
                }
                NEXT.setOpaque(node, null);
                return true;
            }
        }
        return false;
    }

    /** Removes and returns every delivery, oldest first (the lane's holder, lane lock held). */
    List<Delivery> removeAll() {
        var all = new ArrayList<Delivery>();
        for (int bits = created; bits != 0; bits &= bits - 1) {
            Level level = levels[Integer.numberOfTrailingZeros(bits)];
            Node head = headOf(level);
            for (Node node = nextOf(head); node != null; ) {
                Node after = nextOf(node);
                NEXT.setOpaque(node, null);
                all.add((Delivery) node);
                node = after;
            }
            NEXT.setOpaque(head, null);
            NEXT.setOpaque(level.stub, null);
            level.tail = level.stub;
            HEAD.setRelease(level, level.stub);
        }
        all.sort(Comparator.comparingLong(d -> d.id));
        StarvationGuard starvation = guard;
        if (starvation != null) {
            starvation.reset();
        }
        return all;
    }

    /** Counts the waiting deliveries (walks every level; for tests and diagnostics). */
    int count() {
        int n = 0;
        for (int bits = created; bits != 0; bits &= bits - 1) {
            for (Node node = nextOf(headOf(levels[Integer.numberOfTrailingZeros(bits)])); node != null;
                    node = nextOf(node)) {
                n++;
            }
        }
        return n;
    }
}
