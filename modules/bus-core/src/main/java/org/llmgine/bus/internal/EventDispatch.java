package org.llmgine.bus.internal;

import java.lang.System.Logger.Level;
import org.jspecify.annotations.Nullable;
import org.llmgine.bus.HandlerFailure;
import org.llmgine.bus.Ticker;
import org.llmgine.bus.handler.HandlerInfo;
import org.llmgine.bus.message.EventUnhandled;
import org.llmgine.bus.message.HandlerFailed;
import org.llmgine.bus.message.LifecycleEvent;
import org.llmgine.bus.middleware.EventChain;
import org.llmgine.bus.middleware.EventMiddleware;

/**
 * Runs deliveries: the per-event structured scope and its completion.
 *
 * <p>One event ({@link #deliver}): its priority groups in order, the handlers of a group
 * concurrently, each group joined before the next starts. A one-handler group runs on the worker
 * itself; in a group of n handlers, n-1 run on virtual threads forked for the event and the last
 * on the worker.
 *
 * <p>A fan-out run ({@link #fanOut}): consecutive events of a lane whose plan is a single group of
 * several handlers (the common case: every handler of the default priority). Each handler gets one
 * virtual thread for the whole run and handles the run's events in order, so n handlers cost n-1
 * thread starts per batch instead of per event, and each handler still runs on its own thread,
 * concurrently with the others. An event finishes when the last of its handlers finished it; that
 * handler's thread settles it. Handlers of one group may therefore be at different events of the
 * same session at a moment; each handler sees the session's events one at a time, in order.
 *
 * <p>No thread outlives its scope: forks are joined in {@code finally}, and if close cancels while
 * the worker waits, it interrupts them and keeps joining. Handler failures are isolated: counted,
 * logged at WARNING (ERROR for an {@link Error}), recorded for a waiting publisher, and published as
 * {@link HandlerFailed} unless the failed event is itself a {@code HandlerFailed}. A handler whose
 * registration closed after the plan was made is skipped. Nothing here throws: a failure of the bus
 * itself (an observer throwing an {@link Error}, a thread that cannot start) is logged at ERROR,
 * reported to a waiting publisher, and the event still ends in a counted state.
 */
final class EventDispatch {

    private static final System.Logger LOG = System.getLogger("org.llmgine.bus");
    /** The name under which a failure of the bus itself (not of a handler) is reported. */
    static final String BUS_ITSELF = "llmgine-bus";

    private final DefaultMessageBus bus;
    private final EventMiddleware[] middleware;
    private final Observers observers;
    private final Ticker ticker;
    private final Admission admission;
    private final @Nullable Evictions evictions;
    private final boolean publishUnhandled;
    private final java.util.concurrent.atomic.LongAdder unhandled = new java.util.concurrent.atomic.LongAdder();

    EventDispatch(DefaultMessageBus bus, EventMiddleware[] middleware, Observers observers, Ticker ticker) {
        this.bus = bus;
        this.middleware = middleware;
        this.observers = observers;
        this.ticker = ticker;
        this.admission = bus.admission();
        this.evictions = bus.evictions();
        this.publishUnhandled = bus.config().publishUnhandled();
    }

    /** Accepted events that reached no handler. */
    long unhandled() {
        return unhandled.sum();
    }

    // ---------------------------------------------------------------- one event

    /** Runs one claimed delivery with its plan (null if the plan could not be made) and settles it. */
    void deliver(Delivery delivery, @Nullable Plan plan) {
        int invoked = 0;
        boolean cut = false;
        try {
            dispatched(delivery);
            if (plan != null) {
                for (HandlerEntry[] group : plan.groups) {
                    if (group.length == 1) {
                        if (group[0].active) {
                            invoked += invoke(delivery, group[0]);
                            clearStrayInterrupt();
                        }
                    } else {
                        invoked += runGroup(delivery, group);
                    }
                    // Close interrupts work only once it is cancelling; a group that ends while it
                    // is may have been cut short, so the event counts as cancelled, never delivered.
                    if (bus.isCancelling()) {
                        cut = true;
                        break;
                    }
                }
            }
        } catch (Throwable t) {
            busFailure(delivery, t);
        }
        settle(delivery, cut, invoked);
    }

    /**
     * Runs a group's active handlers concurrently: each but the last on a forked thread, the last
     * here; returns how many ran.
     */
    private int runGroup(Delivery delivery, HandlerEntry[] group) {
        int last = group.length - 1;
        while (last >= 0 && !group[last].active) {
            last--;
        }
        if (last < 0) {
            return 0;
        }
        int invoked = 0;
        // handlers a condition declined, among the forked ones (made only when a handler has a condition)
        java.util.concurrent.atomic.AtomicInteger counted = null;
        Thread[] forks = new Thread[last];
        try {
            for (int i = 0; i < last; i++) {
                HandlerEntry entry = group[i];
                if (entry.active) {
                    if (entry.condition != null) {
                        counted = counted == null ? new java.util.concurrent.atomic.AtomicInteger() : counted;
                    }
                    var tally = counted;
                    forks[i] = fork(delivery.lane, () -> {
                        if (invoke(delivery, entry) == 0 && tally != null) {
                            tally.incrementAndGet();
                        }
                    });
                    if (forks[i] == null) {
                        if (invoke(delivery, entry) == 0 && tally != null) {
                            tally.incrementAndGet();
                        }
                        clearStrayInterrupt();
                    }
                    invoked++;
                }
            }
            invoked += invoke(delivery, group[last]);
            clearStrayInterrupt();
        } finally {
            joinAll(forks);
        }
        return counted == null ? invoked : invoked - counted.get();
    }

    // ---------------------------------------------------------------- a fan-out run

    /**
     * Runs {@code run[0..count)}, claimed deliveries of one lane with the same single-group plan,
     * one thread per handler for the whole run; each delivery is settled by the handler thread
     * that finishes it last.
     */
    void fanOut(Lane lane, HandlerEntry[] group, Delivery[] run, int count) {
        for (int k = 0; k < count; k++) {
            run[k].expect(group.length); // dispatch is reported when its first handler starts it
        }
        int last = group.length - 1;
        Thread[] forks = new Thread[last];
        try {
            boolean[] inline = null;
            for (int h = 0; h < last; h++) {
                HandlerEntry entry = group[h];
                forks[h] = fork(lane, () -> handleRun(entry, run, count, group.length));
                if (forks[h] == null) {
                    if (inline == null) {
                        inline = new boolean[last];
                    }
                    inline[h] = true;
                }
            }
            handleRun(group[last], run, count, group.length);
            if (inline != null) {
                for (int h = 0; h < last; h++) {
                    if (inline[h]) {
                        handleRun(group[h], run, count, group.length);
                    }
                }
            }
        } finally {
            joinAll(forks);
        }
    }

    /**
     * Settles the deliveries of a fan-out run that failed outside every handler (a bus bug, an
     * {@code OutOfMemoryError} making its threads): after its threads were joined, each delivery
     * some handler has not finished with is settled now, so none stays unfinished.
     */
    void abandonRun(Delivery[] run, int count, int planned, Throwable failure) {
        for (int k = 0; k < count; k++) {
            Delivery delivery = run[k];
            int unfinished = delivery.abandon();
            if (unfinished > 0) {
                busFailure(delivery, failure);
                settle(delivery, delivery.isCut(), delivery.invokedOf(planned) - unfinished);
            }
        }
    }

    /** One handler's pass over a fan-out run, in order; stops (cutting the rest) once close cancels. */
    private void handleRun(HandlerEntry entry, Delivery[] run, int count, int planned) {
        for (int k = 0; k < count; k++) {
            Delivery delivery = run[k];
            try {
                if (observers.active) {
                    if (delivery.firstStart()) {
                        try {
                            dispatched(delivery);
                        } finally {
                            delivery.startReported();
                        }
                    } else {
                        delivery.awaitStartReported();
                    }
                }
                if (bus.isCancelling()) {
                    delivery.cut();
                } else if (entry.active) {
                    if (invoke(delivery, entry) == 0) {
                        delivery.skip();
                    }
                    clearStrayInterrupt();
                } else {
                    delivery.skip();
                }
            } catch (Throwable t) {
                busFailure(delivery, t);
            } finally {
                try {
                    if (delivery.handlerDone()) {
                        settle(delivery, delivery.isCut(), delivery.invokedOf(planned));
                    }
                } catch (Throwable t) {
                    busFailure(delivery, t); // the run's later deliveries still get this handler's count
                }
            }
        }
    }

    // ---------------------------------------------------------------- threads of a scope

    /** Forks a handler thread bound to the lane; null if it could not start (the caller runs the work itself). */
    private @Nullable Thread fork(Lane lane, Runnable work) {
        try {
            return bus.threads().startHandler(lane.handlerThreadName(), () -> {
                Binding.enter(lane.binding());
                work.run();
            });
        } catch (Throwable t) {
            LOG.log(Level.ERROR, "bus '" + bus.name() + "' could not start a handler thread for " + lane
                    + "; running the handler on the worker instead", t);
            return null;
        }
    }

    /** Joins every forked thread; if close cancels while this waits, interrupts them and keeps joining. */
    private void joinAll(@Nullable Thread[] forks) {
        if (bus.isCancelling()) {
            interruptAll(forks);
        }
        for (Thread thread : forks) {
            while (thread != null) {
                try {
                    thread.join();
                    break;
                } catch (InterruptedException e) {
                    // Only close interrupts a worker: cancel the children, then keep joining.
                    if (bus.isCancelling()) {
                        interruptAll(forks);
                    }
                }
            }
        }
    }

    private static void interruptAll(@Nullable Thread[] threads) {
        for (Thread thread : threads) {
            if (thread != null) {
                thread.interrupt();
            }
        }
    }

    /**
     * A handler on a worker may leave its interrupt flag set; clear it so it cannot leak into the
     * next handler. Cancellation is signalled by {@link DefaultMessageBus#isCancelling()}, not by it.
     */
    private static void clearStrayInterrupt() {
        Thread.interrupted();
    }

    // ---------------------------------------------------------------- handlers and completion

    /** Runs one handler on one event unless its condition declines it; returns 1 if it ran, 0 if declined. */
    private int invoke(Delivery delivery, HandlerEntry entry) {
        long start = observers.active ? ticker.read() : 0L;
        Throwable failure = null;
        try {
            if (entry.condition != null && !entry.condition.test(delivery.event)) {
                return 0;
            }
            if (middleware.length == 0) {
                entry.handler.handle(delivery.event, delivery);
            } else {
                new Step(delivery, delivery, entry, 0).proceed();
            }
        } catch (Throwable t) {
            failure = t;
        }
        if (observers.active) {
            try {
                observers.handlerCompleted(delivery, entry.info, ticker.read() - start, failure);
            } catch (Throwable t) {
                observerFailed("onHandlerCompleted", t);
            }
        }
        if (failure != null) {
            failed(delivery, entry.info, failure);
        }
        return 1;
    }

    /** An event that reached no handler: counted, observed, and published as EventUnhandled if asked. */
    private void unhandled(Delivery delivery) {
        unhandled.increment();
        if (observers.active) {
            try {
                observers.unhandled(delivery);
            } catch (Throwable t) {
                observerFailed("onUnhandled", t);
            }
        }
        if (publishUnhandled && !(delivery.event instanceof LifecycleEvent)
                && bus.hasHandlers(delivery.lane, EventUnhandled.class)) {
            bus.publisher().lifecycle(delivery.lane, new EventUnhandled(delivery.event, delivery.messageId()),
                    delivery.headers());
        }
    }

    private void dispatched(Delivery delivery) {
        if (observers.active) {
            try {
                long now = ticker.read();
                if (observers.deliveryTimes) {
                    delivery.markDispatched(now);
                }
                observers.dispatched(delivery, now - delivery.nanos);
            } catch (Throwable t) {
                observerFailed("onDispatched", t);
            }
        }
    }

    /**
     * Completes a delivery whose handlers all ran (or were cut short by close): observers first,
     * then the counts and the slot, then the waiter, so whoever is woken sees everything.
     */
    void settle(Delivery delivery, boolean cut, int invoked) {
        if (!cut && invoked == 0) {
            try {
                unhandled(delivery); // no handler, all deregistered, or every condition declined it
            } catch (Throwable t) {
                busFailure(delivery, t);
            }
        }
        if (observers.active) {
            try {
                if (cut) {
                    observers.cancelled(delivery);
                } else {
                    int size = observers.queueSizes ? admission.size() - 1 : -1;
                    if (observers.deliveryTimes) {
                        long now = ticker.read();
                        observers.delivered(delivery, invoked, now - delivery.dispatchedNanos(now),
                                now - delivery.nanos, size);
                    } else {
                        observers.delivered(delivery, invoked, -1L, -1L, size);
                    }
                }
            } catch (Throwable t) {
                observerFailed(cut ? "onCancelled" : "onDelivered", t);
            }
        }
        if (cut) {
            bus.shutdown().cancelled(delivery);
        }
        try {
            if (evictions != null && !delivery.lifecycle) {
                evictions.unlink(delivery);
            }
        } finally {
            Waiter waiter = delivery.waiter();
            Waiter.Status end = cut ? Waiter.Status.CANCELLED : Waiter.Status.DELIVERED;
            if (waiter != null) {
                waiter.settle(end); // before the slot is freed: an idle bus has done it
            }
            admission.release(cut ? Admission.CANCELLED : Admission.DELIVERED, 1, delivery.lifecycle ? 1 : 0);
            if (waiter != null) {
                waiter.complete(end, invoked);
            }
        }
    }

    private void observerFailed(String callback, Throwable t) {
        LOG.log(Level.ERROR, "an observer of bus '" + bus.name() + "' threw from " + callback + "; ignored", t);
    }

    /** A failure of the bus itself while delivering: logged and reported to a waiter; the event still settles. */
    void busFailure(Delivery delivery, Throwable t) {
        LOG.log(Level.ERROR, "bus '" + bus.name() + "' failed internally while delivering " + delivery, t);
        Waiter waiter = delivery.waiter();
        if (waiter != null) {
            waiter.addFailure(new HandlerFailure(BUS_ITSELF, t));
        }
    }

    private void failed(Delivery delivery, HandlerInfo handler, Throwable failure) {
        bus.countHandlerFailure();
        Waiter waiter = delivery.waiter();
        if (waiter != null) {
            waiter.addFailure(new HandlerFailure(handler.name(), failure));
        }
        if (bus.isCancelling()) {
            LOG.log(Level.DEBUG, () -> "handler " + handler.name() + " ended with " + failure.getClass().getName()
                    + " while bus '" + bus.name() + "' was cancelling " + delivery);
            return;
        }
        bus.failureLog().failed(failure instanceof Error ? Level.ERROR : Level.WARNING, handler.name(),
                delivery.event.getClass(), failure, delivery.toString());
        if (!(delivery.event instanceof HandlerFailed) && bus.hasHandlers(delivery.lane, HandlerFailed.class)) {
            bus.publisher().lifecycle(delivery.lane,
                    new HandlerFailed(delivery.event, delivery.messageId(), handler.name(), failure), delivery.headers());
        }
    }

    /** One step of the event middleware chain; a new step per level, so a middleware may proceed twice. */
    private final class Step implements EventChain {
        private final Delivery delivery;
        private final org.llmgine.bus.handler.EventContext context;
        private final HandlerEntry entry;
        private final int index;

        Step(Delivery delivery, org.llmgine.bus.handler.EventContext context, HandlerEntry entry, int index) {
            this.delivery = delivery;
            this.context = context;
            this.entry = entry;
            this.index = index;
        }

        @Override
        public void proceed() throws Exception {
            proceed(context);
        }

        @Override
        public void proceed(org.llmgine.bus.handler.EventContext next) throws Exception {
            java.util.Objects.requireNonNull(next, "context");
            if (index == middleware.length) {
                entry.handler.handle(delivery.event, next);
            } else {
                middleware[index].handle(delivery.event, next, entry.info, new Step(delivery, next, entry, index + 1));
            }
        }
    }
}
