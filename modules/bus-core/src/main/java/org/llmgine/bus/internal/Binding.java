package org.llmgine.bus.internal;

import org.jspecify.annotations.Nullable;

/**
 * What a bus-owned thread is doing on behalf of whom: the bus, the lane it works in, whether it
 * handles that lane's events (a drainer or handler thread, which holds the slot of the event it
 * handles) or runs a command in the lane's scope, and the binding of the thread waiting for it (a
 * command's caller). Used to refuse waits that would deadlock, to let in-flight work continue
 * while its bus or session drains, and to keep a thread that holds a slot from waiting for one.
 *
 * <p>Set by every thread the bus starts (a command run and a forked handler thread once, a worker
 * for each turn on a lane, reusing the lane's binding), in a plain (not inheritable)
 * {@link ThreadLocal}, so threads a handler creates itself are never mistaken for bus threads.
 * Work done through a handler's context does not rely on the thread: the context passes its own
 * binding (the lane's for an event, the run for a command) to the {@code ...Of(Binding)} forms, so
 * a helper thread the handler hands its context to keeps the handler's rights and limits.
 */
class Binding {

    /** The current thread (or a thread waiting for it) handles events of the lane. */
    static final int HANDLES_EVENTS = 1;
    /** The current thread (or a thread waiting for it) runs a command in the lane's scope. */
    static final int RUNS_COMMAND = 2;

    private static final ThreadLocal<Binding> CURRENT = new ThreadLocal<>();

    final DefaultMessageBus bus;
    final Lane lane;
    private final boolean command;
    private final @Nullable Binding parent;

    /** A binding; {@link CommandRun} is one itself (the binding of its own thread). */
    Binding(DefaultMessageBus bus, Lane lane, boolean command, @Nullable Binding parent) {
        this.bus = bus;
        this.lane = lane;
        this.command = command;
        this.parent = parent;
    }

    /** Returns the binding of the threads that handle a lane's events (one per lane, reused). */
    static Binding handling(DefaultMessageBus bus, Lane lane) {
        return new Binding(bus, lane, false, null);
    }

    /** Binds the current thread to a lane's events (a worker for its turn, a handler thread for its run). */
    static void enter(Binding binding) {
        CURRENT.set(binding);
    }

    /** Unbinds the current thread (a worker between two lanes). */
    static void leave() {
        CURRENT.set(null); // keeps the entry, so the next turn's set allocates nothing
    }

    /** Binds the current thread to a command run (which is its own binding, made with {@code command}). */
    static void enterCommand(Binding run) {
        CURRENT.set(run);
    }

    /** Returns the current thread's binding, or null for threads the bus did not start. */
    static @Nullable Binding current() {
        return CURRENT.get();
    }

    /**
     * Tells how the current thread, directly or through the callers waiting for it, works in
     * {@code lane}: a combination of {@link #HANDLES_EVENTS} and {@link #RUNS_COMMAND}, 0 if not.
     */
    static int relationTo(Lane lane) {
        return relationOf(CURRENT.get(), lane);
    }

    /** As {@link #relationTo(Lane)}, for the work of {@code from} (a context's binding) on any thread. */
    static int relationOf(@Nullable Binding from, Lane lane) {
        int relation = 0;
        int depth = 0;
        for (Binding b = from; b != null && depth < MAX_DEPTH; b = b.parent(), depth++) {
            if (b.lane == lane) {
                relation |= b.command ? RUNS_COMMAND : HANDLES_EVENTS;
            }
        }
        return relation;
    }

    /** Tells whether the current thread handles events of {@code lane}, directly or for a waiting caller. */
    static boolean currentlyInside(Lane lane) {
        return (relationTo(lane) & HANDLES_EVENTS) != 0;
    }

    /**
     * Tells whether the current thread holds a slot of {@code bus}'s queue, directly or through a
     * caller waiting for it: it handles events of one of the bus's lanes. Such a thread must never
     * wait for room in that queue: it would wait for room it holds.
     */
    static boolean holdsSlot(DefaultMessageBus bus) {
        return holdsSlotOf(CURRENT.get(), bus);
    }

    /** As {@link #holdsSlot}, for the work of {@code from} (a context's binding) on any thread. */
    static boolean holdsSlotOf(@Nullable Binding from, DefaultMessageBus bus) {
        int depth = 0;
        for (Binding b = from; b != null && depth < MAX_DEPTH; b = b.parent(), depth++) {
            if (b.bus == bus && !b.command) {
                return true;
            }
        }
        return false;
    }

    /** Tells whether the current thread does work of {@code bus}, directly or for a waiting caller. */
    static boolean currentlyWithin(DefaultMessageBus bus) {
        int depth = 0;
        for (Binding b = CURRENT.get(); b != null && depth < MAX_DEPTH; b = b.parent(), depth++) {
            if (b.bus == bus) {
                return true;
            }
        }
        return false;
    }

    /**
     * The binding of the work waiting for this one, or null: the caller that executed and waits for a
     * command run, or (for a run started with {@code executeAsync}, which has no caller) whoever
     * awaits its handle right now ({@link CommandRun}).
     */
    @Nullable Binding parent() {
        return parent;
    }

    /** How far the chain is followed: chains are short; a longer one can only be a wait cycle. */
    static final int MAX_DEPTH = 64;

    /** Tells whether this binding runs a command (else it handles its lane's events). */
    boolean isCommand() {
        return command;
    }
}
