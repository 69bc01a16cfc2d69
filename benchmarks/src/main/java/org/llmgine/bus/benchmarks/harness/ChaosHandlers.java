package org.llmgine.bus.benchmarks.harness;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLongArray;
import org.llmgine.bus.MessageBus;
import org.llmgine.bus.Session;
import org.llmgine.bus.benchmarks.harness.ChaosMessages.ChaosCommand;
import org.llmgine.bus.benchmarks.harness.ChaosMessages.ChaosEvent;
import org.llmgine.bus.benchmarks.harness.ChaosMessages.ChaosFailure;
import org.llmgine.bus.filter.EventFilter;
import org.llmgine.bus.handler.EventContext;
import org.llmgine.bus.handler.EventListener;
import org.llmgine.bus.handler.HandlerOptions;
import org.llmgine.bus.handler.Priority;
import org.llmgine.bus.spi.BusObserver;
import org.llmgine.bus.spi.MessageView;

/**
 * What the chaos harness plugs into a bus, each recording into {@link ChaosCounts}:
 * <ul>
 *   <li>a filter declining the events the harness marked, and an observer counting drops;</li>
 *   <li>the bus-scope witness, of the highest priority: marks every event handled, counts
 *       duplicates and declined events, checks FIFO of each publisher's bus-scope events;</li>
 *   <li>a bus-scope handler that throws for events marked to fail;</li>
 *   <li>per session, a handler checking FIFO within the session and sleeping for slow (200 us),
 *       stalling (50 ms) and hanging (until interrupted) events;</li>
 *   <li>the command handler: answers the command's number, throws, sleeps 20 ms, or hangs.</li>
 * </ul>
 */
final class ChaosHandlers {

    private static final ChaosFailure FAILURE = new ChaosFailure();

    private final ChaosCounts counts;
    private final AtomicLongArray lastBusScopeSeq;
    private final CountDownLatch hanging = new CountDownLatch(1);
    private final CountDownLatch hangingCommand = new CountDownLatch(1);

    /**
     * Creates the handlers.
     *
     * @param counts where they record
     * @param publishers how many publisher indexes (owners) events carry
     */
    ChaosHandlers(ChaosCounts counts, int publishers) {
        this.counts = counts;
        this.lastBusScopeSeq = new AtomicLongArray(publishers);
        for (int i = 0; i < publishers; i++) {
            lastBusScopeSeq.set(i, -1);
        }
    }

    /**
     * Adds the filter and the drop observer to a bus under construction.
     *
     * @param builder the builder
     * @return the builder
     */
    MessageBus.Builder configure(MessageBus.Builder builder) {
        return builder.addFilter(EventFilter.named("chaos-declines", (e, s, h) -> !(e instanceof ChaosEvent c
                && c.declined()))).addObserver(new DropCounter());
    }

    /**
     * Registers the bus-scope handlers and the command handler.
     *
     * @param bus the bus, not yet started
     */
    void register(MessageBus bus) {
        bus.registerEventHandler(ChaosEvent.class, HandlerOptions.named("witness").withPriority(Priority.HIGHEST),
                this::witness);
        bus.subscribe(ChaosEvent.class, HandlerOptions.named("failing"), e -> {
            if (e.behavior() == ChaosMessages.FAIL) {
                counts.handlerThrows.increment();
                throw FAILURE;
            }
        });
        bus.registerCommand(ChaosCommand.class, (command, context) -> {
            if (command.behavior() == ChaosMessages.FAIL) {
                throw FAILURE;
            }
            if (command.behavior() == ChaosMessages.SLOW) {
                Thread.sleep(20);
            } else if (command.behavior() == ChaosMessages.HANG) {
                hangingCommand.countDown();
                Thread.sleep(10_000);
            }
            return command.seq();
        });
    }

    /**
     * Subscribes a session's handler.
     *
     * @param session a newly opened session
     */
    void watch(Session session) {
        session.subscribe(ChaosEvent.class, HandlerOptions.named("session-watch"), new SessionWatch());
        counts.sessionsOpened.increment();
    }

    /**
     * Waits for a hanging event handler to start.
     *
     * @param millis how long to wait
     * @return true once one started
     * @throws InterruptedException if interrupted
     */
    boolean awaitHangingHandler(long millis) throws InterruptedException {
        return hanging.await(millis, TimeUnit.MILLISECONDS);
    }

    /**
     * Waits for a hanging command handler to start.
     *
     * @param millis how long to wait
     * @return true once one started
     * @throws InterruptedException if interrupted
     */
    boolean awaitHangingCommand(long millis) throws InterruptedException {
        return hangingCommand.await(millis, TimeUnit.MILLISECONDS);
    }

    /** The bus-scope witness: every event handled at most once; bus-scope FIFO per publisher. */
    private void witness(ChaosEvent event, EventContext context) {
        if (!counts.seenSet.add(event.seq())) {
            counts.duplicates.increment();
        }
        if (event.declined()) {
            counts.declinedDelivered.increment();
        }
        if (context.sessionId() == null) {
            // The bus scope has one lane and so one drainer: these reads and writes never overlap.
            if (event.seq() <= lastBusScopeSeq.get(event.owner())) {
                counts.fifoViolations.increment();
            }
            lastBusScopeSeq.set(event.owner(), event.seq());
        }
    }

    /** A session's handler: FIFO within the session, and the slow, stalling and hanging behaviours. */
    private final class SessionWatch implements EventListener<ChaosEvent> {
        // Events of one session run one at a time, but not always on the same thread.
        private volatile long last = -1;

        @Override
        public void handle(ChaosEvent event) {
            if (event.seq() <= last) {
                counts.fifoViolations.increment();
            }
            last = event.seq();
            try {
                switch (event.behavior()) {
                    case ChaosMessages.SLOW -> Thread.sleep(Duration.ofNanos(200_000));
                    case ChaosMessages.STALL -> Thread.sleep(50);
                    case ChaosMessages.HANG -> {
                        hanging.countDown();
                        Thread.sleep(10_000);
                    }
                    default -> {
                    }
                }
            } catch (InterruptedException e) {
                counts.handlerInterrupted.increment();
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Counts the events DROP_OLDEST evicts, as the bus reports them to observers. */
    private final class DropCounter implements BusObserver {
        @Override
        public void onDropped(MessageView event) {
            if (event.message() instanceof ChaosEvent e) {
                counts.droppedObserved.increment();
                if (!counts.droppedSet.add(e.seq())) {
                    counts.duplicateDrops.increment();
                }
            }
        }
    }
}
