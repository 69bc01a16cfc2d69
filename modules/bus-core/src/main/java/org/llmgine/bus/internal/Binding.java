package org.llmgine.bus.internal;

import org.jspecify.annotations.Nullable;

/**
 * What a bus-owned thread is doing on behalf of whom: the bus, the lane whose event it handles (if
 * any), and the binding of the thread that is waiting for it (a command's caller). Used to refuse
 * waits that would deadlock and to let in-flight work publish while the bus drains.
 *
 * <p>Set once at the start of every thread the bus starts, in a plain (not inheritable)
 * {@link ThreadLocal}, so threads a handler creates itself are never mistaken for bus threads.
 */
final class Binding {

    private static final ThreadLocal<Binding> CURRENT = new ThreadLocal<>();

    final DefaultMessageBus bus;
    /** The lane whose events this thread handles (a drainer or handler thread), else null. */
    final @Nullable Lane lane;
    /** The lane in whose scope this thread runs a command, else null. */
    final @Nullable Lane commandLane;
    final @Nullable Binding parent;

    private Binding(DefaultMessageBus bus, @Nullable Lane lane, @Nullable Lane commandLane, @Nullable Binding parent) {
        this.bus = bus;
        this.lane = lane;
        this.commandLane = commandLane;
        this.parent = parent;
    }

    /** Binds the current thread to a lane (drainer and handler threads). */
    static void enterLane(DefaultMessageBus bus, Lane lane) {
        CURRENT.set(new Binding(bus, lane, null, null));
    }

    /** Binds the current thread to a command run in {@code lane}'s scope on behalf of {@code caller}. */
    static void enterCommand(DefaultMessageBus bus, Lane lane, @Nullable Binding caller) {
        CURRENT.set(new Binding(bus, null, lane, caller));
    }

    /** Returns the current thread's binding, or null for threads the bus did not start. */
    static @Nullable Binding current() {
        return CURRENT.get();
    }

    /** Tells whether the current thread works, directly or for a waiting caller, inside {@code lane}. */
    static boolean currentlyInside(Lane lane) {
        for (Binding b = CURRENT.get(); b != null; b = b.parent) {
            if (b.lane == lane) {
                return true;
            }
        }
        return false;
    }

    /** Tells whether the current thread runs a command in {@code lane}'s scope, directly or for a waiting caller. */
    static boolean currentlyCommandIn(Lane lane) {
        for (Binding b = CURRENT.get(); b != null; b = b.parent) {
            if (b.commandLane == lane) {
                return true;
            }
        }
        return false;
    }

    /** Tells whether the current thread does work of {@code bus}, directly or for a waiting caller. */
    static boolean currentlyWithin(DefaultMessageBus bus) {
        for (Binding b = CURRENT.get(); b != null; b = b.parent) {
            if (b.bus == bus) {
                return true;
            }
        }
        return false;
    }
}
