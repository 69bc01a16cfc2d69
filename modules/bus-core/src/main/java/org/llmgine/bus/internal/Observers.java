package org.llmgine.bus.internal;

import java.lang.System.Logger.Level;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.llmgine.bus.MessageBus;
import org.llmgine.bus.PendingApproval;
import org.llmgine.bus.RejectionReason;
import org.llmgine.bus.handler.HandlerInfo;
import org.llmgine.bus.message.ApprovalDecided;
import org.llmgine.bus.message.CommandResult;
import org.llmgine.bus.message.Event;
import org.llmgine.bus.message.Headers;
import org.llmgine.bus.spi.BusObserver;

/**
 * Fans each callback out to the bus's observers, catching and logging what they throw so an
 * observer can never break the bus or reach its callers. Call sites test {@link #active} first, so
 * a bus without observers pays one field read per step.
 */
final class Observers {

    private static final System.Logger LOG = System.getLogger("org.llmgine.bus");

    final boolean active;
    private final BusObserver[] all;

    Observers(List<BusObserver> observers) {
        this.all = observers.toArray(BusObserver[]::new);
        this.active = all.length > 0;
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
                LOG.log(Level.WARNING, "observer " + observer + " threw from " + callback + "; ignored", e);
            }
        }
    }

    void attach(MessageBus bus) {
        each("onAttach", o -> o.onAttach(bus));
    }

    void published(Class<? extends Event> type) {
        each("onPublished", o -> o.onPublished(type));
    }

    void accepted(Class<? extends Event> type, int queueSize) {
        each("onAccepted", o -> o.onAccepted(type, queueSize));
    }

    void rejected(Class<? extends Event> type, RejectionReason reason) {
        each("onRejected", o -> o.onRejected(type, reason));
    }

    void filtered(Class<? extends Event> type, String filter) {
        each("onFiltered", o -> o.onFiltered(type, filter));
    }

    void dispatched(Class<? extends Event> type, long lagNanos) {
        each("onDispatched", o -> o.onDispatched(type, lagNanos));
    }

    void handlerCompleted(Class<? extends Event> type, HandlerInfo handler, long nanos, @Nullable Throwable failure) {
        each("onHandlerCompleted", o -> o.onHandlerCompleted(type, handler, nanos, failure));
    }

    void delivered(Class<? extends Event> type, int queueSize) {
        each("onDelivered", o -> o.onDelivered(type, queueSize));
    }

    void dropped(Event event, long eventId, @Nullable String sessionId, Headers headers) {
        each("onDropped", o -> o.onDropped(event, eventId, sessionId, headers));
    }

    void backpressureChanged(boolean active, int queueSize) {
        each("onBackpressureChanged", o -> o.onBackpressureChanged(active, queueSize));
    }

    void throttled(long delayNanos) {
        each("onThrottled", o -> o.onThrottled(delayNanos));
    }

    void approvalRequested(PendingApproval approval) {
        each("onApprovalRequested", o -> o.onApprovalRequested(approval));
    }

    void approvalDecided(PendingApproval approval, ApprovalDecided.Decision decision) {
        each("onApprovalDecided", o -> o.onApprovalDecided(approval, decision));
    }

    void commandStarted(Class<?> type) {
        each("onCommandStarted", o -> o.onCommandStarted(type));
    }

    void commandCompleted(Class<?> type, long nanos, CommandResult<?> result) {
        each("onCommandCompleted", o -> o.onCommandCompleted(type, nanos, result));
    }
}
