package org.llmgine.bus.internal;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.ReentrantLock;
import org.jspecify.annotations.Nullable;
import org.llmgine.bus.WouldDeadlockException;

/**
 * The wait-for graph of every bus in the JVM: which lanes are blocked waiting for which. A lane is
 * blocked while one of its event handlers (directly, or through the commands it waits for) waits
 * for an event of another lane ({@code publishAndWait}) or for another lane to be idle. Lanes run
 * their events one at a time, so a cycle of such waits can never resolve: before a wait begins, the
 * graph looks for a path from the awaited lane back to a lane the waiter blocks and, if there is
 * one, refuses the wait with the cycle named.
 *
 * <p>Concurrency: one ReentrantLock guards the graph, taken only on the waiting paths (never per
 * publish). Checking and adding an edge happen under it in one step, so of two waits that would
 * close a cycle, the second always sees the first. A waiter on a thread the bus did not start, or
 * one that blocks no lane (a command's own thread called from outside), adds no edge.
 */
final class WaitGraph {

    private static final ReentrantLock LOCK = new ReentrantLock();
    /** Edges: blocked lane to awaited lanes, with how many waits make each edge. */
    private static final Map<Lane, Map<Lane, Integer>> EDGES = new HashMap<>();

    /** A registered wait; {@link #close()} removes its edges. */
    static final class Wait {
        private final List<Lane> blocked;
        private final Lane target;

        private Wait(List<Lane> blocked, Lane target) {
            this.blocked = blocked;
            this.target = target;
        }

        void close() {
            LOCK.lock();
            try {
                for (Lane lane : blocked) {
                    Map<Lane, Integer> out = EDGES.get(lane);
                    if (out != null && out.merge(target, -1, Integer::sum) <= 0) {
                        out.remove(target);
                        if (out.isEmpty()) {
                            EDGES.remove(lane);
                        }
                    }
                }
            } finally {
                LOCK.unlock();
            }
        }
    }

    private WaitGraph() {
    }

    /** Ends a wait registered by {@link #enter}; does nothing for null. */
    static void exit(@Nullable Wait wait) {
        if (wait != null) {
            wait.close();
        }
    }

    /**
     * Registers that the work of {@code waiter} is about to wait for {@code target}.
     *
     * @param waiter the waiting work's binding, or null for a thread of no bus
     * @param target the lane waited for
     * @param action what the wait is, for the message ("publishAndWait", "awaitIdle")
     * @return the wait to close when it ends, or null when the waiter blocks no lane
     * @throws WouldDeadlockException if the wait would close a cycle; the message names it
     */
    static @Nullable Wait enter(@Nullable Binding waiter, Lane target, String action) {
        List<Lane> blocked = blockedBy(waiter);
        if (blocked.isEmpty()) {
            return null;
        }
        LOCK.lock();
        try {
            for (Lane lane : blocked) {
                List<Lane> path = path(target, lane);
                if (path != null) {
                    var names = new StringBuilder(lane.label());
                    for (Lane step : path) {
                        names.append(" -> ").append(step.label());
                    }
                    throw new WouldDeadlockException(action + " from a handler of " + lane.label() + " of bus '"
                            + lane.bus.name() + "' would deadlock: " + target.label() + " is itself waiting, directly or"
                            + " through others, for " + lane.label() + " (wait cycle: " + names + "); publish without"
                            + " waiting, or wait with a timeout outside the cycle");
                }
            }
            for (Lane lane : blocked) {
                EDGES.computeIfAbsent(lane, k -> new HashMap<>(2)).merge(target, 1, Integer::sum);
            }
            return new Wait(blocked, target);
        } finally {
            LOCK.unlock();
        }
    }

    /** The lanes whose event handling the waiter's work holds up. */
    private static List<Lane> blockedBy(@Nullable Binding waiter) {
        List<Lane> blocked = List.of();
        int depth = 0;
        for (Binding b = waiter; b != null && depth < Binding.MAX_DEPTH; b = b.parent(), depth++) {
            if (!b.isCommand()) {
                if (blocked.isEmpty()) {
                    blocked = new ArrayList<>(2);
                }
                if (!blocked.contains(b.lane)) {
                    blocked.add(b.lane);
                }
            }
        }
        return blocked;
    }

    /** A path of edges from {@code from} to {@code to} (the lanes after {@code from}), or null; {@code from == to} is a path. */
    private static @Nullable List<Lane> path(Lane from, Lane to) {
        var previous = new HashMap<Lane, @Nullable Lane>();
        previous.put(from, null);
        var queue = new ArrayDeque<Lane>();
        queue.add(from);
        while (!queue.isEmpty()) {
            Lane lane = queue.poll();
            if (lane == to) {
                var path = new ArrayList<Lane>();
                for (Lane step = lane; step != null; step = previous.get(step)) {
                    path.add(0, step);
                }
                return path;
            }
            for (Lane next : EDGES.getOrDefault(lane, Map.of()).keySet()) {
                if (!previous.containsKey(next)) {
                    previous.put(next, lane);
                    queue.add(next);
                }
            }
        }
        return null;
    }
}
