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
 * Runs one delivery: its priority groups in order, each handler of a multi-handler group on its own
 * virtual thread, the group joined before the next starts. A single-handler group runs on the
 * lane's drainer thread (no thread start), which is observably the same: it is the whole group.
 * This is the per-event structured scope: no handler thread outlives its group, and an interrupted
 * drainer cancels (interrupts) and joins its handler threads before it returns.
 *
 * <p>Handler failures are isolated: counted, logged at WARNING (ERROR for an {@link Error}),
 * recorded for a waiting publisher, and published as {@link HandlerFailed} unless the failed event
 * is itself a {@code HandlerFailed} (then only logged, so a failing failure handler cannot loop).
 */
final class EventDispatch {

    private static final System.Logger LOG = System.getLogger("org.llmgine.bus");

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
     * Runs the handlers of one delivery.
     *
     * @return true if every group ran, false if the bus cancelled the delivery part-way
     */
    boolean deliver(Delivery delivery) {
        Class<? extends Event> type = delivery.event.getClass();
        Plan plan = delivery.lane.plan(type);
        if (observers.active) {
            observers.dispatched(type, ticker.read() - delivery.acceptedAtNanos);
        }
        int invoked = 0;
        HandlerEntry[][] groups = plan.groups;
        for (HandlerEntry[] group : groups) {
            if (group.length == 1) {
                invoke(delivery, group[0]);
                clearStrayInterrupt();
            } else {
                runGroup(delivery, group);
            }
            invoked += group.length;
            // Close interrupts work only once it is cancelling; a group that ends while it is may
            // have been cut short, so the event counts as cancelled, never as delivered.
            if (bus.isCancelling()) {
                complete(delivery, Waiter.Status.CANCELLED, invoked);
                return false;
            }
        }
        complete(delivery, Waiter.Status.DELIVERED, invoked);
        return true;
    }

    /** Reports finished deliveries to the observers once the lane freed their slots. */
    void delivered(Delivery[] batch, int count, int queueSize) {
        if (observers.active) {
            for (int i = 0; i < count; i++) {
                observers.delivered(batch[i].event.getClass(), queueSize);
            }
        }
    }

    private static void complete(Delivery delivery, Waiter.Status status, int invoked) {
        Waiter waiter = delivery.waiter;
        if (waiter != null) {
            waiter.complete(status, invoked);
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

    /** Runs a group of two or more handlers concurrently and joins them all. */
    private void runGroup(Delivery delivery, HandlerEntry[] group) {
        int forks = group.length - 1;
        Thread[] threads = new Thread[forks];
        for (int i = 0; i < forks; i++) {
            HandlerEntry entry = group[i];
            threads[i] = bus.threads().startHandler(delivery.lane, () -> {
                Binding.enterLane(bus, delivery.lane);
                invoke(delivery, entry);
            });
        }
        invoke(delivery, group[forks]);
        clearStrayInterrupt();
        if (bus.isCancelling()) {
            interruptAll(threads);
        }
        for (Thread thread : threads) {
            while (true) {
                try {
                    thread.join();
                    break;
                } catch (InterruptedException e) {
                    // Our drainer was interrupted by close: cancel the children, then keep joining so
                    // no handler thread outlives this scope.
                    interruptAll(threads);
                }
            }
        }
    }

    private static void interruptAll(Thread[] threads) {
        for (Thread thread : threads) {
            thread.interrupt();
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
            LOG.log(Level.DEBUG, () -> "handler " + handler.name() + " ended with " + failure + " while bus '"
                    + bus.name() + "' was cancelling " + delivery);
            return;
        }
        Level level = failure instanceof Error ? Level.ERROR : Level.WARNING;
        if (LOG.isLoggable(level)) {
            LOG.log(level, "handler " + handler.name() + " of bus '" + bus.name() + "' failed on " + delivery, failure);
        }
        if (!(delivery.event instanceof HandlerFailed) && bus.hasHandlers(delivery.lane, HandlerFailed.class)) {
            bus.publishLifecycle(delivery.lane,
                    new HandlerFailed(delivery.event, delivery.id, handler.name(), failure));
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
