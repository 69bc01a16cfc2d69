package org.llmgine.bus.internal;

import java.lang.System.Logger.Level;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.llmgine.bus.CloseReport;
import org.llmgine.bus.MessageBus;
import org.llmgine.bus.PendingApproval;
import org.llmgine.bus.RejectionReason;
import org.llmgine.bus.handler.HandlerInfo;
import org.llmgine.bus.message.ApprovalDecided;
import org.llmgine.bus.message.CommandResult;
import org.llmgine.bus.message.Event;
import org.llmgine.bus.message.LifecycleEvent;
import org.llmgine.bus.spi.BusObserver;
import org.llmgine.bus.spi.EventOffer;
import org.llmgine.bus.spi.MessageView;

/**
 * Fans each callback out to the bus's observers, catching and logging what they throw so an
 * observer can never break the bus or reach its callers. Call sites test {@link #active} first, so
 * a bus without observers pays one field read per step and builds no argument.
 */
final class Observers {

    private static final System.Logger LOG = System.getLogger("org.llmgine.bus");

    final boolean active;
    /** Whether any observer reads the delivery times of onDelivered. */
    final boolean deliveryTimes;
    private final BusObserver[] all;
    private final MessageBus bus;

    Observers(List<BusObserver> observers, MessageBus bus) {
        this.all = observers.toArray(BusObserver[]::new);
        this.active = all.length > 0;
        boolean times = false;
        for (BusObserver observer : all) {
            times |= observer.wantsDeliveryTimes();
        }
        this.deliveryTimes = times;
        this.bus = bus;
    }

    private interface Call {
        void on(BusObserver observer);
    }

    private void each(String callback, Call call) {
        for (BusObserver observer : all) {
            try {
                call.on(observer);
            } catch (VirtualMachineError e) {
                throw e;
            } catch (Throwable e) {
                LOG.log(Level.WARNING, "observer " + observer + " of bus '" + bus.name() + "' threw from " + callback
                        + "; ignored", e);
            }
        }
    }

    void attach() {
        each("onAttach", o -> o.onAttach(bus));
    }

    void closed(CloseReport report) {
        each("onClose", o -> o.onClose(bus, report));
    }

    /** The offer every pre-acceptance callback of one publish shares (made only when observers are active). */
    EventOffer offer(Event event, @Nullable String sessionId, org.llmgine.bus.message.Headers headers, int priority) {
        return new EventOffer(bus, event, sessionId, headers, priority);
    }

    void published(EventOffer offer) {
        each("onPublished", o -> o.onPublished(offer));
    }

    void accepted(MessageView event, int queueSize) {
        each("onAccepted", o -> o.onAccepted(event, queueSize));
        if (event.message() instanceof LifecycleEvent lifecycle) {
            each("onLifecycleEvent", o -> o.onLifecycleEvent(event, lifecycle));
        }
    }

    void rejected(EventOffer offer, RejectionReason reason) {
        each("onRejected", o -> o.onRejected(offer, reason));
    }

    void filtered(EventOffer offer, String filter) {
        each("onFiltered", o -> o.onFiltered(offer, filter));
    }

    void dispatched(MessageView event, long lagNanos) {
        each("onDispatched", o -> o.onDispatched(event, lagNanos));
    }

    void handlerCompleted(MessageView event, HandlerInfo handler, long nanos, @Nullable Throwable failure) {
        each("onHandlerCompleted", o -> o.onHandlerCompleted(event, handler, nanos, failure));
    }

    void delivered(MessageView event, int invoked, long processingNanos, long endToEndNanos, int queueSize) {
        each("onDelivered", o -> o.onDelivered(event, invoked, processingNanos, endToEndNanos, queueSize));
    }

    void unhandled(MessageView event) {
        each("onUnhandled", o -> o.onUnhandled(event));
    }

    void dropped(MessageView event) {
        each("onDropped", o -> o.onDropped(event));
    }

    void cancelled(MessageView event) {
        each("onCancelled", o -> o.onCancelled(event));
    }

    void returned(MessageView event) {
        each("onReturned", o -> o.onReturned(event));
    }

    void backpressureChanged(boolean on, int queueSize) {
        each("onBackpressureChanged", o -> o.onBackpressureChanged(bus, on, queueSize));
    }

    void throttled(long delayNanos) {
        each("onThrottled", o -> o.onThrottled(bus, delayNanos));
    }

    void approvalRequested(PendingApproval approval) {
        each("onApprovalRequested", o -> o.onApprovalRequested(bus, approval));
    }

    void approvalDecided(PendingApproval approval, ApprovalDecided.Decision decision) {
        each("onApprovalDecided", o -> o.onApprovalDecided(bus, approval, decision));
    }

    void commandStarted(MessageView command) {
        each("onCommandStarted", o -> o.onCommandStarted(command));
    }

    void commandCompleted(MessageView command, long nanos, CommandResult<?> result) {
        each("onCommandCompleted", o -> o.onCommandCompleted(command, nanos, result));
    }
}
