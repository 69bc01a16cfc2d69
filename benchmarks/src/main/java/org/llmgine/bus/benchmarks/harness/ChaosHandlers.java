package org.llmgine.bus.benchmarks.harness;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import org.llmgine.bus.MessageBus;
import org.llmgine.bus.Session;
import org.llmgine.bus.benchmarks.harness.ChaosMessages.ChaosCommand;
import org.llmgine.bus.benchmarks.harness.ChaosMessages.ChaosEvent;
import org.llmgine.bus.benchmarks.harness.ChaosMessages.ChaosEventFailure;
import org.llmgine.bus.benchmarks.harness.ChaosMessages.ChaosFailure;
import org.llmgine.bus.benchmarks.harness.ChaosMessages.ClosingCommand;
import org.llmgine.bus.filter.EventFilter;
import org.llmgine.bus.handler.CommandContext;
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
 *   <li>the bus-scope {@code failing} handler, guarded by the policy's event retry: throws at every
 *       attempt for events marked to fail, at the first only for transient ones;</li>
 *   <li>per session, a handler checking FIFO within the session and sleeping for slow (200 us),
 *       stalling (50 ms) and hanging (until interrupted) events;</li>
 *   <li>the chaos command handler, guarded by the policy's pipeline: answers the command's
 *       number, throws at every attempt or at the first one or two, or blocks past the attempt
 *       timeout; and the closing command's handler, which hangs until the close interrupts it.</li>
 * </ul>
 */
final class ChaosHandlers {

    private static final ChaosFailure FAILURE = new ChaosFailure();
    private static final ChaosEventFailure EVENT_FAILURE = new ChaosEventFailure();
    /** An outage starts every this many command attempts... */
    static final long OUTAGE_PERIOD_ATTEMPTS = 250;
    /** ...and fails this many attempts in a row: twice what opens the breaker. */
    static final long OUTAGE_ATTEMPTS = 2L * ChaosResilience.CONSECUTIVE;

    private final ChaosCounts counts;
    private final AtomicLongArray lastBusScopeSeq;
    private final CountDownLatch hanging = new CountDownLatch(1);
    private final CountDownLatch hangingCommand = new CountDownLatch(1);
    private volatile boolean healthy;
    private final AtomicLong outageAttempts = new AtomicLong();

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
        bus.registerEventHandler(ChaosEvent.class, HandlerOptions.named(ChaosResilience.FAILING_HANDLER),
                this::failing);
        bus.registerCommand(ChaosCommand.class, this::command);
        bus.registerCommand(ClosingCommand.class, (command, context) -> {
            hangingCommand.countDown();
            Thread.sleep(10_000);
            return -1L;
        });
    }

    /**
     * Makes the command handler healthy: from now on its failing, transient and blocking commands
     * answer at once, so replayed dead letters can succeed.
     */
    void heal() {
        healthy = true;
    }

    /**
     * Tells whether the command handler's dependency is down for this attempt: the first
     * {@value #OUTAGE_ATTEMPTS} of every {@value #OUTAGE_PERIOD_ATTEMPTS} attempts fail, which
     * trips the circuit breaker (the random failures trip it now and then too). Counted in
     * attempts, not time: a 10 ms outage every 250 ms caught about one attempt on a machine where
     * BLOCK ran 100 commands/s, and the breaker never opened.
     */
    private boolean outage() {
        return outageAttempts.getAndIncrement() % OUTAGE_PERIOD_ATTEMPTS < OUTAGE_ATTEMPTS;
    }

    /** The bus-scope handler that fails events marked to, through the policy's event retry. */
    private void failing(ChaosEvent event, EventContext context) {
        int attempt = context.attempt();
        if (attempt > 1) {
            counts.eventRetryAttempts.increment();
        }
        if (event.behavior() == ChaosMessages.FAIL) {
            if (attempt == 1) {
                counts.handlerThrows.increment();
            }
            throw EVENT_FAILURE;
        }
        if (event.behavior() == ChaosMessages.TRANSIENT) {
            if (attempt == 1) {
                counts.eventTransientThrows.increment();
                throw EVENT_FAILURE;
            }
            counts.eventRetrySucceeded.increment();
        }
    }

    /**
     * The chaos command handler, behind the policy's pipeline: answers the command's number, or
     * throws at every attempt (FAIL), at the first {@code 1 + seq % 2} (TRANSIENT), or blocks past the
     * attempt timeout (BLOCK); during an {@linkplain #outage() outage} every attempt throws. Once
     * {@linkplain #heal() healed}, it answers every command.
     */
    private Long command(ChaosCommand command, CommandContext context) throws InterruptedException {
        int attempt = context.attempt();
        counts.commandAttempts.increment();
        if (attempt > 1) {
            counts.commandRetryAttempts.increment();
            if (attempt == 2) {
                counts.commandsRetried.increment();
            }
        }
        if (healthy) {
            return command.seq();
        }
        if (outage()) {
            counts.commandOutageThrows.increment();
            throw FAILURE;
        }
        switch (command.behavior()) {
            case ChaosMessages.FAIL -> throw FAILURE;
            case ChaosMessages.TRANSIENT -> {
                if (attempt <= 1 + (command.seq() & 1)) {
                    throw FAILURE;
                }
            }
            case ChaosMessages.BLOCK -> {
                try {
                    Thread.sleep(200);
                } catch (InterruptedException e) {
                    counts.commandAttemptsInterrupted.increment();
                    throw e;
                }
                counts.problem("command " + command.seq() + " blocked 200 ms past its attempt timeout");
            }
            default -> {
            }
        }
        return command.seq();
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
