package org.llmgine.bus.internal;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/** Padding before a {@link Sequence}'s value, so no neighbour shares its cache line. */
abstract class SequenceLeftPad {
    long p01, p02, p03, p04, p05, p06, p07, p08;
}

/** The value of a {@link Sequence}, between two pads. */
abstract class SequenceValue extends SequenceLeftPad {
    volatile long value;
    /** A plain companion the same writers keep next to the value (see {@link Sequence#seen()}). */
    long seen;
    /** The accepted count's companion: the largest number of unfinished events seen. */
    volatile int peak;
    /** The accepted count's companion: lifecycle events accepted and not yet finished. */
    volatile int notices;
}

/**
 * A counter alone on its cache line(s), for counts that one side of the bus writes on every event
 * and another reads: the accepted count (publishers) and the finished count (workers), each with
 * its writers' cached reading of the other. The accepted count also keeps the two small counts every
 * acceptance reads (the largest size seen, the lifecycle events in the queue) on its own line:
 * as separate atomics they sat wherever the heap put them, once next to a counter the workers
 * write per event, and every publish paid a cache-line transfer to read them. Two plain
 * {@code AtomicLong}s allocated together would share a line and make every acceptance and every
 * completion pull it from the other core. Padding by superclass fields, as the JDK's own
 * contended-field annotation is not available to a library; the JVM lays out superclass fields
 * first, so the value sits between 64 bytes of padding on each side.
 */
final class Sequence extends SequenceValue {

    private static final VarHandle VALUE;
    private static final VarHandle SEEN;
    private static final VarHandle PEAK;
    private static final VarHandle NOTICES;

    static {
        try {
            VALUE = MethodHandles.lookup().findVarHandle(SequenceValue.class, "value", long.class);
            SEEN = MethodHandles.lookup().findVarHandle(SequenceValue.class, "seen", long.class);
            PEAK = MethodHandles.lookup().findVarHandle(SequenceValue.class, "peak", int.class);
            NOTICES = MethodHandles.lookup().findVarHandle(SequenceValue.class, "notices", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    long p11, p12, p13, p14, p15, p16, p17, p18;

    long get() {
        return value;
    }

    boolean compareAndSet(long expected, long next) {
        return VALUE.compareAndSet(this, expected, next);
    }

    long addAndGet(long delta) {
        return (long) VALUE.getAndAdd(this, delta) + delta;
    }

    /**
     * Returns the companion value: what this counter's writers last read of the other side's
     * counter, kept on the same line so refreshing it costs them no extra line (opaque: never torn).
     */
    long seen() {
        return (long) SEEN.getOpaque(this);
    }

    void seen(long value) {
        SEEN.setOpaque(this, value);
    }

    /** Returns the largest size recorded with {@link #raisePeak}. */
    int peak() {
        return peak;
    }

    /** Records {@code size} as the largest size if it is larger than the one recorded. */
    void raisePeak(int size) {
        int known;
        while (size > (known = peak)) {
            if (PEAK.compareAndSet(this, known, size)) {
                return;
            }
        }
    }

    /** Returns the number of lifecycle events accepted and not yet finished. */
    int notices() {
        return notices;
    }

    /** Adds {@code delta} to the lifecycle events accepted and not yet finished. */
    void addNotices(int delta) {
        NOTICES.getAndAdd(this, delta);
    }
}
