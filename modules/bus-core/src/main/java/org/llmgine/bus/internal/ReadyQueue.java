package org.llmgine.bus.internal;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import org.jspecify.annotations.Nullable;

/**
 * The lanes waiting for a worker, in the five priority levels of the mailboxes, FIFO within a
 * level, with the starvation guard between levels.
 *
 * <p>Any thread adds without a lock (a publisher that found its lane idle, a worker putting a lane
 * back): one atomic exchange on the level's {@code tail}, then a release store linking the previous
 * node (Vyukov's intrusive multi-producer queue). Takes are made by one thread at a time (the
 * workers, under the pool's lock). Each level has its own stub node, which the consumer adds back
 * behind the last lane when it takes it, so a lane that was taken is no longer referenced by the
 * queue and may be added again at once. A lane is in the queue at most once (only the holder of a
 * scheduled lane adds it).
 *
 * <p>Concurrency: {@code tail} is shared by producers (exchanged) and read by anyone; {@code first}
 * belongs to the consumer and is read by others only as a hint ({@link #hasWaiting}). The consumer
 * may find a producer between its exchange and its link; it then waits the few instructions until
 * the link is written. Whether a level is empty is decided by its tail, never by a missing link
 * (see {@link #peek}).
 */
final class ReadyQueue {

    private static final VarHandle NEXT;
    private static final VarHandle TAIL;
    private static final VarHandle FIRST;
    private static final VarHandle USED;

    static {
        try {
            MethodHandles.Lookup lookup = MethodHandles.lookup();
            NEXT = lookup.findVarHandle(Node.class, "readyNext", Node.class);
            TAIL = lookup.findVarHandle(Level.class, "tail", Node.class);
            FIRST = lookup.findVarHandle(LevelFirst.class, "first", Node.class);
            USED = lookup.findVarHandle(ReadyQueue.class, "used", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** What the queue links: every {@link Lane}, and each level's stub. */
    static class Node {
        @SuppressWarnings("unused") // accessed through NEXT
        @Nullable Node readyNext;
        /** The level the node waits in; set by whoever adds it, before adding it. */
        int readyLevel;
        /** The node's age for the starvation guard (the id of its oldest waiting event); set before adding. */
        long readyOrder;
    }

    /** The consumer's end of a level. */
    abstract static class LevelFirst {
        @SuppressWarnings("unused") // accessed through FIRST
        Node first;

        LevelFirst(Node first) {
            this.first = first;
        }
    }

    /** Keeps {@code tail} off {@code first}'s cache line. */
    abstract static class LevelPad extends LevelFirst {
        long p01, p02, p03, p04, p05, p06, p07, p08;

        LevelPad(Node first) {
            super(first);
        }
    }

    /** One level: producers exchange {@code tail}. */
    static final class Level extends LevelPad {
        final Node stub;
        @SuppressWarnings("unused") // accessed through TAIL
        Node tail;

        Level(Node stub) {
            super(stub);
            this.stub = stub;
            this.tail = stub;
        }
    }

    private final Level[] levels = new Level[Priorities.LEVELS];
    /** Bit {@code i} is set once a node was added to level {@code i}: the others need no look. */
    @SuppressWarnings("unused") // written through USED
    private volatile int used;
    private final StarvationGuard guard;

    ReadyQueue(int starvationLimit) {
        for (int i = 0; i < levels.length; i++) {
            levels[i] = new Level(new Node());
        }
        this.guard = new StarvationGuard(starvationLimit);
    }

    /** Adds a node at the end of its level (any thread, no lock). */
    void add(Node node) {
        int bit = 1 << node.readyLevel;
        if ((used & bit) == 0) {
            USED.getAndBitwiseOr(this, bit);
        }
        push(levels[node.readyLevel], node);
    }

    private static void push(Level level, Node node) {
        NEXT.setOpaque(node, null);
        Node previous = (Node) TAIL.getAndSet(level, node); // a full fence: the node's fields are visible once linked
        NEXT.setRelease(previous, node);
    }

    /**
     * Tells, without a lock, whether a lane waits (a moment's view, for spinning and hints; a decision
     * that must not miss a lane polls): a level is empty exactly when both its ends are at its stub
     * (the consumer's end never rests on a lane it took, and a producer that is adding has already
     * moved the tail).
     */
    boolean hasWaiting() {
        for (int bits = used; bits != 0; bits &= bits - 1) {
            Level level = levels[Integer.numberOfTrailingZeros(bits)];
            if ((Node) FIRST.getOpaque(level) != level.stub || (Node) TAIL.getOpaque(level) != level.stub) {
                return true;
            }
        }
        return false;
    }

    /** Takes the next lane by priority and the starvation guard, or null if none waits (consumer). */
    @Nullable Lane poll() {
        int chosen = -1;
        int oldest = -1;
        long oldestOrder = Long.MAX_VALUE;
        int waiting = 0;
        for (int bits = used; bits != 0; bits &= bits - 1) {
            int i = Integer.numberOfTrailingZeros(bits);
            Node head = peek(levels[i]);
            if (head != null) {
                waiting++;
                if (chosen < 0) {
                    chosen = i;
                }
                if (head.readyOrder < oldestOrder) {
                    oldestOrder = head.readyOrder;
                    oldest = i;
                }
            }
        }
        if (chosen < 0) {
            return null;
        }
        return (Lane) take(levels[guard.choose(chosen, oldest, waiting)]);
    }

    /** The oldest lane at the head of a level, without taking it, or null if none waits (consumer). */
    @Nullable Lane peekLane() {
        Node oldest = null;
        for (int bits = used; bits != 0; bits &= bits - 1) {
            Node head = peek(levels[Integer.numberOfTrailingZeros(bits)]);
            if (head != null && (oldest == null || head.readyOrder < oldest.readyOrder)) {
                oldest = head;
            }
        }
        return (Lane) oldest;
    }

    /**
     * The first lane of a level, skipping the stub, or null if the level is empty (consumer). A
     * level whose stub has no link yet but whose tail moved is not empty: a producer exchanged the
     * tail (its full fence) and its link store may still be on its way (a release store, which the
     * producer's next reads may pass). The hand-offs rely on this: a producer adds, then reads the
     * spin token, the busy count or {@code closed}; whoever wrote those then polls, and must see the
     * lane whenever the producer saw them unchanged, so the tail decides, and the consumer waits
     * the few instructions until the link is written.
     */
    private static @Nullable Node peek(Level level) {
        Node first = (Node) FIRST.getOpaque(level);
        if (first == level.stub) {
            Node next = (Node) NEXT.getAcquire(first);
            if (next == null) {
                if ((Node) TAIL.getVolatile(level) == first) {
                    return null;
                }
                while ((next = (Node) NEXT.getAcquire(first)) == null) {
                    Thread.onSpinWait(); // a producer exchanged the tail and is about to link
                }
            }
            FIRST.setOpaque(level, next); // step over the stub
            first = next;
        }
        return first;
    }

    /** Takes the first lane of a level that {@link #peek} found (consumer). */
    private static Node take(Level level) {
        Node first = (Node) FIRST.getOpaque(level);
        Node next = (Node) NEXT.getAcquire(first);
        if (next == null) {
            if ((Node) TAIL.getVolatile(level) == first) {
                push(level, level.stub); // the last one: put the stub behind it so it can be let go
            }
            while ((next = (Node) NEXT.getAcquire(first)) == null) {
                Thread.onSpinWait(); // a producer exchanged the tail and is about to link
            }
        }
        FIRST.setOpaque(level, next);
        NEXT.setOpaque(first, null);
        return first;
    }
}
