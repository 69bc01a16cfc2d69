package org.llmgine.bus.benchmarks.peer;

import java.util.Arrays;

/**
 * The systems under comparison, each a factory of {@link EventSystem}s. {@link #ABQ_LOOP} is the
 * JDK baseline. Usable as a JMH {@code @Param}.
 */
public enum SystemKind {

    /** The llmgine bus: queue capacity 8192, BLOCK, handlers subscribed in the bus scope. */
    LLMGINE_BUS("llmgine-bus", true) {
        @Override
        public EventSystem create(Setup setup) {
            return new LlmgineBusSystem(setup);
        }
    },
    /** The JDK baseline: an {@code ArrayBlockingQueue(8192)} and one platform consumer thread. */
    ABQ_LOOP("abq-loop", false) {
        @Override
        public EventSystem create(Setup setup) {
            return new AbqLoopSystem(setup);
        }
    },
    /** Guava's {@code AsyncEventBus} on a fixed pool of two threads. */
    GUAVA_ASYNC("guava-async", false) {
        @Override
        public EventSystem create(Setup setup) {
            return new GuavaAsyncSystem(setup);
        }
    },
    /** The LMAX Disruptor: ring of 8192, BlockingWaitStrategy, one processor thread per handler. */
    DISRUPTOR("disruptor", false) {
        @Override
        public EventSystem create(Setup setup) {
            return new DisruptorSystem(setup);
        }
    };

    private final String label;
    private final boolean supportsSessions;

    SystemKind(String label, boolean supportsSessions) {
        this.label = label;
        this.supportsSessions = supportsSessions;
    }

    /**
     * Creates and starts a system.
     *
     * @param setup publishers, handlers, sessions and the handler
     * @return the running system
     * @throws IllegalArgumentException if the setup asks for sessions from a peer
     */
    public abstract EventSystem create(Setup setup);

    /**
     * Returns the label used in tables and JSON.
     *
     * @return for example {@code guava-async}
     */
    public String label() {
        return label;
    }

    /**
     * Tells whether the system has sessions (only the bus does).
     *
     * @return true for the bus
     */
    public boolean supportsSessions() {
        return supportsSessions;
    }

    /**
     * Finds a system by its label.
     *
     * @param label a label such as {@code disruptor}
     * @return the system
     * @throws IllegalArgumentException naming the label and the known ones if it is unknown
     */
    public static SystemKind byLabel(String label) {
        for (SystemKind kind : values()) {
            if (kind.label.equals(label)) {
                return kind;
            }
        }
        throw new IllegalArgumentException("unknown system '" + label + "', expected one of "
                + Arrays.stream(values()).map(SystemKind::label).toList());
    }

    static void requireBusScope(SystemKind kind, Setup setup) {
        if (setup.sessions() != 1) {
            throw new IllegalArgumentException(kind.label + " has no sessions, but sessions was " + setup.sessions());
        }
    }
}
