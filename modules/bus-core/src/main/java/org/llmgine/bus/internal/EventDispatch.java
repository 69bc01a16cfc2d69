package org.llmgine.bus.internal;

import java.lang.System.Logger.Level;
import org.llmgine.bus.HandlerFailure;
import org.llmgine.bus.Ticker;
import org.llmgine.bus.handler.HandlerInfo;
import org.llmgine.bus.message.Event;
import org.llmgine.bus.message.HandlerFailed;
import org.llmgine.bus.middleware.EventChain;
import org.llmgine.bus.middleware.EventMiddleware;

/**
 * Runs one delivery: its priority groups in order, the handlers of a group concurrently, the group
 * joined before the next starts. In a group of n handlers, n-1 run on virtual threads forked for
 * them and the last on the lane's drainer thread, and a single-handler group runs on the drainer
 * (no thread start): observably the same as one thread per handler.
 * This is the per-event structured scope: no handler thread outlives its group, and a drainer
 * interrupted by close cancels (interrupts) and joins its handler threads before it returns.
 *
 * <p>Handler failures are isolated: counted, logged at WARNING (ERROR for an {@link Error}),
 * recorded for a waiting publisher, and published as {@link HandlerFailed} unless the failed event
 * is itself a {@code HandlerFailed} (then only logged, so a failing failure handler cannot loop).
 * A handler whose registration was closed after the plan was made is skipped.
 */
final class EventDispatch {

    private static final System.Logger LOG = System.getLogger("org.llmgine.bus");
    /** The name under which a failure of the bus itself (not of a handler) is reported. */
    static final String BUS_ITSELF = "llmgine-bus";

    private final DefaultMessageBus bus;
    private final EventMiddleware[] middleware;
    private final Observers observers;
    private final Ticker ticker;

    EventDispatch(DefaultMessageBus bus, EventMiddleware[] middleware, Observers observers, Ticker ticker) {
        this.bus = bus;
        this.middleware = middleware;
        this.observers = observers;
        this.ticker = ticker;
    }

    /**
     * Runs the handlers of one delivery and records how many ran. Never throws: a failure of the
     * bus itself is logged at ERROR and reported to a waiting publisher, and the lane goes on.
     *
     * @return true if every group ran, false if the bus was cancelling when a group ended
     */
    boolean deliver(Delivery delivery) {
        try {
            return runGroups(delivery);
        } catch (Throwable t) {
            LOG.log(Level.ERROR, "bus '" + bus.name() + "' failed internally while delivering " + delivery, t);
            Waiter waiter = delivery.waiter;
            if (waiter != null) {
                waiter.addFailure(new HandlerFailure(BUS_ITSELF, t));
            }
            return true;
        }
    }

    private boolean runGroups(Delivery delivery) {
        Class<? extends Event> type = delivery.event.getClass();
        Plan plan = delivery.lane.plan(type);
        if (observers.active) {
            observers.dispatched(type, ticker.read() - delivery.acceptedAtNanos);
        }
        for (HandlerEntry[] group : plan.groups) {
            if (group.length == 1) {
                if (group[0].active) {
                    invoke(delivery, group[0]);
                    delivery.invoked++;
                    clearStrayInterrupt();
                }
            } else {
                runGroup(delivery, group);
            }
            // Close interrupts work only once it is cancelling; a group that ends while it is may
            // have been cut short, so the event counts as cancelled, never as delivered.
            if (bus.isCancelling()) {
                return false;
            }
        }
        return true;
    }

    /** Completes a finished delivery's waiter and tells the observers, after its slot was freed. */
    void settled(Delivery delivery, boolean cut, int queueSize) {
        Waiter waiter = delivery.waiter;
        if (waiter != null) {
            waiter.complete(cut ? Waiter.Status.CANCELLED : Waiter.Status.DELIVERED, delivery.invoked);
        }
        if (!cut && observers.active) {
            observers.delivered(delivery.event.getClass(), queueSize);
        }
    }

    /**
     * A handler on the drainer thread may leave its interrupt flag set; clear it so it cannot leak
     * into the next handler. Cancellation is signalled by {@link DefaultMessageBus#isCancelling()},
     * not by this flag.
     */
    private static void clearStrayInterrupt() {
        Thread.interrupted();
    }

    /**
     * Runs the active handlers of a group concurrently: each but the last on a forked thread, the
     * last on this drainer. The forks are joined in {@code finally}, so none outlives the group.
     */
    private void runGroup(Delivery delivery, HandlerEntry[] group) {
        int last = group.length - 1;
        while (last >= 0 && !group[last].active) {
            last--;
        }
        if (last < 0) {
            return;
        }
        Thread[] forks = new Thread[last];
        try {
            for (int i = 0; i < last; i++) {
                HandlerEntry entry = group[i];
                if (entry.active) {
                    forks[i] = bus.threads().startHandler(delivery.lane, () -> {
                        Binding.enterLane(bus, delivery.lane);
                        invoke(delivery, entry);
                    });
                    delivery.invoked++;
                }
            }
            invoke(delivery, group[last]);
            delivery.invoked++;
            clearStrayInterrupt();
        } finally {
            joinAll(forks);
        }
    }

    /** Joins every forked thread; if close cancels while this waits, interrupts them and keeps joining. */
    private void joinAll(Thread[] forks) {
        if (bus.isCancelling()) {
            interruptAll(forks);
        }
        for (Thread thread : forks) {
            while (thread != null) {
                try {
                    thread.join();
                    break;
                } catch (InterruptedException e) {
                    // Only close interrupts a drainer: cancel the children, then keep joining.
                    if (bus.isCancelling()) {
                        interruptAll(forks);
                    }
                }
            }
        }
    }

    private static void interruptAll(Thread[] threads) {
        for (Thread thread : threads) {
            if (thread != null) {
                thread.interrupt();
            }
        }
    }

    private void invoke(Delivery delivery, HandlerEntry entry) {
        long start = observers.active ? ticker.read() : 0L;
        Throwable failure = null;
        try {
            if (middleware.length == 0) {
                entry.handler.handle(delivery.event, delivery);
            } else {
                new Step(delivery, entry, 0).proceed();
            }
        } catch (Throwable t) {
            failure = t;
        }
        if (observers.active) {
            observers.handlerCompleted(delivery.event.getClass(), entry.info, ticker.read() - start, failure);
        }
        if (failure != null) {
            failed(delivery, entry.info, failure);
        }
    }

    private void failed(Delivery delivery, HandlerInfo handler, Throwable failure) {
        bus.countHandlerFailure();
        Waiter waiter = delivery.waiter;
        if (waiter != null) {
            waiter.addFailure(new HandlerFailure(handler.name(), failure));
        }
        if (bus.isCancelling()) {
            LOG.log(Level.DEBUG, () -> "handler " + handler.name() + " ended with " + failure.getClass().getName()
                    + " while bus '" + bus.name() + "' was cancelling " + delivery);
            return;
        }
        Level level = failure instanceof Error ? Level.ERROR : Level.WARNING;
        if (LOG.isLoggable(level)) {
            LOG.log(level, "handler " + handler.name() + " of bus '" + bus.name() + "' failed on " + delivery, failure);
        }
        if (!(delivery.event instanceof HandlerFailed) && bus.hasHandlers(delivery.lane, HandlerFailed.class)) {
            bus.publisher().lifecycle(delivery.lane,
                    new HandlerFailed(delivery.event, delivery.id, handler.name(), failure), delivery.headers);
        }
    }

    /** One step of the event middleware chain; a new step per level, so a middleware may proceed twice. */
    private final class Step implements EventChain {
        private final Delivery delivery;
        private final HandlerEntry entry;
        private final int index;

        Step(Delivery delivery, HandlerEntry entry, int index) {
            this.delivery = delivery;
            this.entry = entry;
            this.index = index;
        }

        @Override
        public void proceed() throws Exception {
            if (index == middleware.length) {
                entry.handler.handle(delivery.event, delivery);
            } else {
                middleware[index].handle(delivery.event, delivery, entry.info, new Step(delivery, entry, index + 1));
            }
        }
    }
}
