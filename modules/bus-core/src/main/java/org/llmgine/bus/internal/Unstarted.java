package org.llmgine.bus.internal;

import java.lang.System.Logger.Level;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import org.llmgine.bus.BusState;

/**
 * The warning for events waiting on a bus that was never started: the first event accepted while
 * the bus is NEW starts one short-lived virtual thread that waits {@code unstartedWarning} and, if
 * the bus is still NEW with events queued, logs one WARNING. A started bus costs nothing here.
 */
final class Unstarted {

    private static final System.Logger LOG = System.getLogger("org.llmgine.bus");

    private final DefaultMessageBus bus;
    private final AtomicBoolean armed = new AtomicBoolean();

    Unstarted(DefaultMessageBus bus) {
        this.bus = bus;
    }

    /** An event was accepted while the bus is NEW. */
    void eventWaiting() {
        if (armed.get() || !armed.compareAndSet(false, true)) {
            return;
        }
        long nanos = bus.config().unstartedWarning().toNanos();
        Thread.ofVirtual().name("llmgine-bus-" + bus.name() + "-unstarted-warning").start(() -> {
            long deadline = System.nanoTime() + nanos;
            for (long left = nanos; left > 0; left = deadline - System.nanoTime()) {
                LockSupport.parkNanos(left);
            }
            int waiting = bus.admission().size();
            if (bus.state() == BusState.NEW && waiting > 0) {
                LOG.log(Level.WARNING, "bus '" + bus.name() + "' was never started and " + waiting + " events have"
                        + " waited for it for " + bus.config().unstartedWarning() + "; call start() (or build with"
                        + " MessageBus.builder()...start()) so they are delivered");
            }
        });
    }
}
