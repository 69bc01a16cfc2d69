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
    /** Whether any observer reads the queue sizes of onAccepted and onDelivered. */
    final boolean queueSizes;
    private final BusObserver[] all;
    private final MessageBus bus;

    Observers(List<BusObserver> observers, MessageBus bus) {
        this.all = observers.toArray(BusObserver[]::new);
        this.active = all.length > 0;
        boolean times = false;
        boolean sizes = false;
        for (BusObserver observer : all) {
            times |= observer.wantsDeliveryTimes();
            sizes |= observer.wantsQueueSizes();
        }
        this.deliveryTimes = times;
        this.queueSizes = sizes;
        this.bus = bus;
    }

    /**
     * Logs what an observer threw and carries on; a VirtualMachineError propagates. Each callback
     * below is its own loop rather than one shared loop over a lambda: the shared call site saw every
     * callback's lambda class, so the JIT could inline none of them (JFR put most of a no-op
     * observer's cost there), and a capturing lambda may allocate per event.
     */
    private void failed(BusObserver observer, String callback, Throwable e) {
        if (e instanceof VirtualMachineError error) {
            throw error;
        }
        LOG.log(Level.WARNING, "observer " + observer + " of bus '" + bus.name() + "' threw from " + callback
                + "; ignored", e);
    }

    void attach() {
        for (BusObserver o : all) {
            try {
                o.onAttach(bus);
            } catch (Throwable e) {
                failed(o, "onAttach", e);
            }
        }
    }

    void closed(CloseReport report) {
        for (BusObserver o : all) {
            try {
                o.onClose(bus, report);
            } catch (Throwable e) {
                failed(o, "onClose", e);
            }
        }
    }

    /** The offer every pre-acceptance callback of one publish shares (made only when observers are active). */
    EventOffer offer(Event event, @Nullable String sessionId, org.llmgine.bus.message.Headers headers, int priority) {
        return new EventOffer(bus, event, sessionId, headers, priority);
    }

    void published(EventOffer offer) {
        for (BusObserver o : all) {
            try {
                o.onPublished(offer);
            } catch (Throwable e) {
                failed(o, "onPublished", e);
            }
        }
    }

    void accepted(MessageView event, int queueSize) {
        for (BusObserver o : all) {
            try {
                o.onAccepted(event, queueSize);
            } catch (Throwable e) {
                failed(o, "onAccepted", e);
            }
        }
        if (event.message() instanceof LifecycleEvent lifecycle) {
            for (BusObserver o : all) {
                try {
                    o.onLifecycleEvent(event, lifecycle);
                } catch (Throwable e) {
                    failed(o, "onLifecycleEvent", e);
                }
            }
        }
    }

    void rejected(EventOffer offer, RejectionReason reason) {
        for (BusObserver o : all) {
            try {
                o.onRejected(offer, reason);
            } catch (Throwable e) {
                failed(o, "onRejected", e);
            }
        }
    }

    void filtered(EventOffer offer, String filter) {
        for (BusObserver o : all) {
            try {
                o.onFiltered(offer, filter);
            } catch (Throwable e) {
                failed(o, "onFiltered", e);
            }
        }
    }

    void dispatched(MessageView event, long lagNanos) {
        for (BusObserver o : all) {
            try {
                o.onDispatched(event, lagNanos);
            } catch (Throwable e) {
                failed(o, "onDispatched", e);
            }
        }
    }

    void handlerCompleted(MessageView event, HandlerInfo handler, long nanos, @Nullable Throwable failure) {
        for (BusObserver o : all) {
            try {
                o.onHandlerCompleted(event, handler, nanos, failure);
            } catch (Throwable e) {
                failed(o, "onHandlerCompleted", e);
            }
        }
    }

    void delivered(MessageView event, int invoked, long processingNanos, long endToEndNanos, int queueSize) {
        for (BusObserver o : all) {
            try {
                o.onDelivered(event, invoked, processingNanos, endToEndNanos, queueSize);
            } catch (Throwable e) {
                failed(o, "onDelivered", e);
            }
        }
    }

    void unhandled(MessageView event) {
        for (BusObserver o : all) {
            try {
                o.onUnhandled(event);
            } catch (Throwable e) {
                failed(o, "onUnhandled", e);
            }
        }
    }

    void dropped(MessageView event) {
        for (BusObserver o : all) {
            try {
                o.onDropped(event);
            } catch (Throwable e) {
                failed(o, "onDropped", e);
            }
        }
    }

    void cancelled(MessageView event) {
        for (BusObserver o : all) {
            try {
                o.onCancelled(event);
            } catch (Throwable e) {
                failed(o, "onCancelled", e);
            }
        }
    }

    void returned(MessageView event) {
        for (BusObserver o : all) {
            try {
                o.onReturned(event);
            } catch (Throwable e) {
                failed(o, "onReturned", e);
            }
        }
    }

    void backpressureChanged(boolean on, int queueSize) {
        for (BusObserver o : all) {
            try {
                o.onBackpressureChanged(bus, on, queueSize);
            } catch (Throwable e) {
                failed(o, "onBackpressureChanged", e);
            }
        }
    }

    void throttled(long delayNanos) {
        for (BusObserver o : all) {
            try {
                o.onThrottled(bus, delayNanos);
            } catch (Throwable e) {
                failed(o, "onThrottled", e);
            }
        }
    }

    void approvalRequested(PendingApproval approval) {
        for (BusObserver o : all) {
            try {
                o.onApprovalRequested(bus, approval);
            } catch (Throwable e) {
                failed(o, "onApprovalRequested", e);
            }
        }
    }

    void approvalDecided(PendingApproval approval, ApprovalDecided.Decision decision) {
        for (BusObserver o : all) {
            try {
                o.onApprovalDecided(bus, approval, decision);
            } catch (Throwable e) {
                failed(o, "onApprovalDecided", e);
            }
        }
    }

    void commandStarted(MessageView command) {
        for (BusObserver o : all) {
            try {
                o.onCommandStarted(command);
            } catch (Throwable e) {
                failed(o, "onCommandStarted", e);
            }
        }
    }

    void commandCompleted(MessageView command, long nanos, CommandResult<?> result) {
        for (BusObserver o : all) {
            try {
                o.onCommandCompleted(command, nanos, result);
            } catch (Throwable e) {
                failed(o, "onCommandCompleted", e);
            }
        }
    }
}
