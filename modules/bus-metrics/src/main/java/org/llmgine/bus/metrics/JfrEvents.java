package org.llmgine.bus.metrics;

import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.Event;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;
import jdk.jfr.Timespan;
import org.jspecify.annotations.Nullable;
import org.llmgine.bus.MessageBus;
import org.llmgine.bus.handler.HandlerInfo;
import org.llmgine.bus.spi.BusObserver;
import org.llmgine.bus.spi.MessageView;

/**
 * Emits a bus's activity as JDK Flight Recorder events, with no dependency but {@code jdk.jfr}: a
 * handler's execution ({@code org.llmgine.bus.HandlerExecution}, with its duration), an event's
 * dispatch lag ({@code org.llmgine.bus.DispatchLag}) and backpressure changes
 * ({@code org.llmgine.bus.Backpressure}). Add it to the bus's builder; the events cost a check of
 * whether a recording enabled them until one does ({@code jcmd <pid> JFR.start}, or
 * {@code -XX:StartFlightRecording}), and are written only then.
 *
 * <pre>{@code
 * MessageBus bus = MessageBus.builder().addObserver(new JfrEvents()).start();
 * }</pre>
 */
public final class JfrEvents implements BusObserver {

    /** Creates the observer. */
    public JfrEvents() {
    }

    @Name("org.llmgine.bus.HandlerExecution")
    @Label("Handler Execution")
    @Category({"llmgine-bus"})
    @Description("An event handler invocation")
    @StackTrace(false)
    static final class HandlerExecution extends Event {
        @Label("Bus")
        String bus;
        @Label("Event Type")
        String eventType;
        @Label("Handler")
        String handler;
        @Label("Duration")
        @Timespan(Timespan.NANOSECONDS)
        long durationNanos;
        @Label("Failed")
        boolean failed;
    }

    @Name("org.llmgine.bus.DispatchLag")
    @Label("Dispatch Lag")
    @Category({"llmgine-bus"})
    @Description("From an event's acceptance to its dispatch")
    @StackTrace(false)
    static final class DispatchLag extends Event {
        @Label("Bus")
        String bus;
        @Label("Event Type")
        String eventType;
        @Label("Lag")
        @Timespan(Timespan.NANOSECONDS)
        long lagNanos;
    }

    @Name("org.llmgine.bus.Backpressure")
    @Label("Backpressure")
    @Category({"llmgine-bus"})
    @Description("Backpressure turned on or off")
    @StackTrace(false)
    static final class Backpressure extends Event {
        @Label("Bus")
        String bus;
        @Label("Active")
        boolean active;
        @Label("Queue Size")
        int queueSize;
    }

    @Override
    public void onHandlerCompleted(MessageView event, HandlerInfo handler, long durationNanos,
            @Nullable Throwable failure) {
        HandlerExecution e = new HandlerExecution();
        if (e.shouldCommit()) {
            e.bus = event.busName();
            e.eventType = event.type().getName();
            e.handler = handler.name();
            e.durationNanos = durationNanos;
            e.failed = failure != null;
            e.commit();
        }
    }

    @Override
    public void onDispatched(MessageView event, long lagNanos) {
        DispatchLag e = new DispatchLag();
        if (e.shouldCommit()) {
            e.bus = event.busName();
            e.eventType = event.type().getName();
            e.lagNanos = lagNanos;
            e.commit();
        }
    }

    @Override
    public void onBackpressureChanged(MessageBus bus, boolean active, int queueSize) {
        Backpressure e = new Backpressure();
        if (e.shouldCommit()) {
            e.bus = bus.name();
            e.active = active;
            e.queueSize = queueSize;
            e.commit();
        }
    }

    /**
     * Returns false: this observer does not read {@code onDelivered}'s times, so the bus need not keep
     * them.
     *
     * @return false
     */
    @Override
    public boolean wantsDeliveryTimes() {
        return false;
    }

    /**
     * Returns false: this observer does not read the queue sizes of {@code onAccepted} and
     * {@code onDelivered}, so the bus need not read them exactly for every event.
     *
     * @return false
     */
    @Override
    public boolean wantsQueueSizes() {
        return false;
    }

    @Override
    public String toString() {
        return "JfrEvents";
    }
}
