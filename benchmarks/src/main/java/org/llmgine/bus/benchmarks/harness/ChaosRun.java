package org.llmgine.bus.benchmarks.harness;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.locks.LockSupport;
import org.jspecify.annotations.Nullable;
import org.llmgine.bus.BusClosedException;
import org.llmgine.bus.BusState;
import org.llmgine.bus.BusStats;
import org.llmgine.bus.CloseReport;
import org.llmgine.bus.MessageBus;
import org.llmgine.bus.MessageScope;
import org.llmgine.bus.OverflowStrategy;
import org.llmgine.bus.PublishOutcome;
import org.llmgine.bus.ReturnedEvent;
import org.llmgine.bus.Session;
import org.llmgine.bus.benchmarks.harness.ChaosMessages.ChaosCommand;
import org.llmgine.bus.benchmarks.harness.ChaosMessages.ChaosEvent;
import org.llmgine.bus.benchmarks.harness.ChaosMessages.ChaosFailure;
import org.llmgine.bus.filter.EventFilter;
import org.llmgine.bus.handler.EventContext;
import org.llmgine.bus.handler.EventListener;
import org.llmgine.bus.handler.HandlerOptions;
import org.llmgine.bus.handler.Priority;
import org.llmgine.bus.message.CommandResult;
import org.llmgine.bus.message.Event;
import org.llmgine.bus.message.FailureCause;
import org.llmgine.bus.message.Headers;
import org.llmgine.bus.spi.BusObserver;

/**
 * One bus under chaos for a fixed time, then closed in mid-flight.
 *
 * <p>The bus: capacity {@value #CAPACITY}, the given overflow strategy, a 5 ms publish timeout
 * (BLOCK), ADAPTIVE pauses of at most 1 ms, a filter declining the events the harness marked,
 * and an observer counting drops. Handlers: a bus-scope witness of the highest priority (marks
 * each event handled and checks it never comes twice, and bus-scope FIFO per publisher), a
 * bus-scope handler that throws for 10 % of events, and in each session a handler that checks
 * FIFO and sleeps for slow (0.5 %, 200 us) and stalling (0.002 %, 50 ms: enough to fill the queue)
 * events. {@value #OWNERS} publisher threads each own {@value #SESSIONS} sessions (publishing to
 * them or to the bus scope, closing and reopening one now and then, executing commands in them)
 * and {@value #CALLERS} caller threads execute bus-scope commands with a 5 ms timeout (10 % fail,
 * 10 % take 20 ms and time out). A sampler reads {@code stats()} every millisecond. At the end
 * the bus is closed with a 25 ms deadline while all of that still runs, just after a handler and
 * a command started to hang (until interrupted) in a session with events queued behind the handler,
 * so the close must cancel and return work.
 */
final class ChaosRun {

    static final int CAPACITY = 512;
    static final int OWNERS = 4;
    static final int SESSIONS = 8;
    static final int CALLERS = 2;
    private static final Duration CLOSE_DEADLINE = Duration.ofMillis(25);
    private static final ChaosFailure FAILURE = new ChaosFailure();

    final OverflowStrategy strategy;
    final ChaosCounts counts = new ChaosCounts();
    private final long seed;
    private final AtomicLong nextSeq = new AtomicLong();
    private final AtomicLong nextClosingSeq = new AtomicLong(ChaosCounts.MAX_EVENTS - ChaosCounts.CLOSING_RESERVE);
    private final AtomicLong nextCommand = new AtomicLong();
    private final AtomicLongArray lastBusScopeSeq = new AtomicLongArray(OWNERS + 1);
    private final AtomicInteger maxQueueSampled = new AtomicInteger();
    private final CountDownLatch go = new CountDownLatch(1);
    private final CountDownLatch hanging = new CountDownLatch(1);
    private final CountDownLatch hangingCommand = new CountDownLatch(1);
    private volatile boolean stop;

    /** What a finished run hands to {@link ChaosVerdict}. */
    record Outcome(ChaosRun run, BusStats stats, CloseReport report, int maxQueueSampled, long stuckThreads,
            double seconds) {
    }

    ChaosRun(OverflowStrategy strategy, long seed) {
        this.strategy = strategy;
        this.seed = seed;
        for (int i = 0; i <= OWNERS; i++) {
            lastBusScopeSeq.set(i, -1);
        }
    }

    /**
     * Runs the bus for {@code seconds}, closes it in mid-flight and stops every harness thread.
     *
     * @param seconds how long to run before the close
     * @return the final statistics, close report and counts
     * @throws InterruptedException if interrupted
     */
    Outcome run(double seconds) throws InterruptedException {
        MessageBus b = MessageBus.builder().name("chaos-" + strategy.name().toLowerCase(java.util.Locale.ROOT))
                .queueCapacity(CAPACITY).overflowStrategy(strategy).publishTimeout(Duration.ofMillis(5))
                .adaptiveMaxDelay(Duration.ofMillis(1)).closeTimeout(Duration.ofSeconds(5))
                .addFilter(EventFilter.named("chaos-declines", (e, s, h) -> !(e instanceof ChaosEvent c && c.declined())))
                .addObserver(new DropCounter()).build();
        b.registerEventHandler(ChaosEvent.class, HandlerOptions.named("witness").withPriority(Priority.HIGHEST),
                this::witness);
        b.subscribe(ChaosEvent.class, HandlerOptions.named("failing"), e -> {
            if (e.behavior() == ChaosMessages.FAIL) {
                counts.handlerThrows.increment();
                throw FAILURE;
            }
        });
        b.registerCommand(ChaosCommand.class, (command, context) -> {
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
        b.start();
        List<Thread> threads = new ArrayList<>();
        for (int o = 0; o < OWNERS; o++) {
            int owner = o;
            threads.add(Thread.ofPlatform().name("chaos-owner-" + o).start(() -> guard(() -> own(b, owner))));
        }
        for (int c = 0; c < CALLERS; c++) {
            int caller = c;
            threads.add(Thread.ofPlatform().name("chaos-caller-" + c).start(() -> guard(() -> call(b, caller))));
        }
        threads.add(Thread.ofPlatform().name("chaos-sampler").start(() -> sample(b)));
        long start = System.nanoTime();
        go.countDown();
        Thread.sleep((long) (seconds * 1000));
        CompletableFuture<CommandResult<Long>> hung = hangBeforeClose(b);
        CloseReport report = b.close(CLOSE_DEADLINE);
        recordCommand(hung.join(), -1);
        stop = true;
        long stuck = 0;
        for (Thread thread : threads) {
            thread.join(TimeUnit.SECONDS.toMillis(30));
            if (thread.isAlive()) {
                stuck++;
                counts.problem("harness thread " + thread.getName() + " did not stop within 30 s of the close");
                thread.interrupt();
            }
        }
        double elapsed = (System.nanoTime() - start) / 1e9;
        for (ReturnedEvent returned : report.returned()) {
            if (returned.event() instanceof ChaosEvent e && !counts.returnedSet.add(e.seq())) {
                counts.problem("event " + e.seq() + " returned twice in the close report");
            }
        }
        return new Outcome(this, b.stats(), report, maxQueueSampled.get(), stuck, elapsed);
    }

    /**
     * Makes sure the close has something to cut short: a session whose lane is blocked by a hanging
     * handler with events queued behind it (to be cancelled and returned) and a hanging command (to
     * be cancelled).
     */
    private CompletableFuture<CommandResult<Long>> hangBeforeClose(MessageBus b) throws InterruptedException {
        Session session = b.openSession("closing");
        session.subscribe(ChaosEvent.class, HandlerOptions.named("session-watch"), new SessionWatch());
        counts.sessionsOpened.increment();
        // The queue may be full (REJECT_NEW rejects) or evict the hanging event (DROP_OLDEST): retry
        // until a hanging handler has started.
        for (int attempt = 0; attempt < 100 && hanging.getCount() > 0; attempt++) {
            publishUntilAccepted(session, new ChaosEvent(nextClosingSeq.getAndIncrement(), OWNERS, false,
                    ChaosMessages.HANG));
            hanging.await(20, TimeUnit.MILLISECONDS);
        }
        for (int i = 0; i < 63; i++) {
            publishUntilAccepted(session, new ChaosEvent(nextClosingSeq.getAndIncrement(), OWNERS, false,
                    ChaosMessages.NORMAL));
        }
        CompletableFuture<CommandResult<Long>> hung = b.executeAsync(new ChaosCommand(-1, ChaosMessages.HANG));
        hangingCommand.await(1, TimeUnit.SECONDS);
        return hung;
    }

    /** Publishes one event again and again (each attempt counted) until accepted, for at most a second. */
    private void publishUntilAccepted(Session session, ChaosEvent event) {
        long limit = System.nanoTime() + TimeUnit.SECONDS.toNanos(1);
        while (event.seq() < ChaosCounts.MAX_EVENTS && System.nanoTime() < limit) {
            PublishOutcome outcome = session.publish(event);
            record(event, outcome);
            if (outcome.isAccepted()) {
                return;
            }
            LockSupport.parkNanos(100_000);
        }
    }

    /** Runs a harness thread's body, recording anything it throws as a problem. */
    private void guard(ThrowingRunnable body) {
        try {
            go.await();
            body.run();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception | Error e) {
            counts.problem(Thread.currentThread().getName() + " threw " + e);
        }
    }

    @FunctionalInterface
    private interface ThrowingRunnable {
        void run() throws Exception;
    }

    private boolean closing(MessageBus b) {
        return stop || b.state() != BusState.RUNNING;
    }

    /** A publisher thread: its own sessions, its events, sometimes a session swap or a command. */
    private void own(MessageBus b, int owner) {
        SplittableRandom random = new SplittableRandom(seed * 1_000_003 + owner);
        Session[] sessions = new Session[SESSIONS];
        int opened = 0;
        for (int i = 0; i < SESSIONS; i++) {
            sessions[i] = open(b, owner, opened++);
        }
        while (!stop) {
            long seq = nextSeq.getAndIncrement();
            if (seq >= ChaosCounts.MAX_EVENTS - ChaosCounts.CLOSING_RESERVE) { // this bus had enough
                LockSupport.parkNanos(1_000_000);
                continue;
            }
            double r = random.nextDouble();
            int behavior = r < 0.10 ? ChaosMessages.FAIL : r < 0.105 ? ChaosMessages.SLOW
                    : r < 0.10502 ? ChaosMessages.STALL : ChaosMessages.NORMAL;
            ChaosEvent event = new ChaosEvent(seq, owner, random.nextInt(100) == 0, behavior);
            int target = random.nextInt(SESSIONS + 1);
            MessageScope scope = target == SESSIONS ? b : sessions[target];
            try {
                record(event, scope.publish(event));
            } catch (BusClosedException e) {
                counts.refusedClosed.increment();
                if (closing(b)) {
                    return;
                }
                counts.problem("publish threw " + e + " while the bus was running");
            }
            try {
                if (random.nextInt(500) == 0) {
                    int i = random.nextInt(SESSIONS);
                    sessions[i].close();
                    counts.sessionsClosed.increment();
                    sessions[i] = open(b, owner, opened++);
                }
                if (random.nextInt(200) == 0) {
                    execute(sessions[random.nextInt(SESSIONS)], random);
                }
            } catch (BusClosedException e) {
                if (closing(b)) {
                    return;
                }
                counts.problem("session work threw " + e + " while the bus was running");
            }
        }
    }

    private Session open(MessageBus b, int owner, int n) {
        Session session = b.openSession("owner-" + owner + "-" + n);
        session.subscribe(ChaosEvent.class, HandlerOptions.named("session-watch"), new SessionWatch());
        counts.sessionsOpened.increment();
        return session;
    }

    private void record(ChaosEvent event, PublishOutcome outcome) {
        counts.published.increment();
        switch (outcome) {
            case PublishOutcome.Accepted accepted -> {
                counts.accepted.increment();
                counts.acceptedSet.add(event.seq());
                if (event.declined()) {
                    counts.problem("event " + event.seq() + " was accepted although the filter declines it");
                }
            }
            case PublishOutcome.Filtered filtered -> {
                counts.filtered.increment();
                if (!event.declined()) {
                    counts.problem("event " + event.seq() + " was filtered by " + filtered.filter() + " but not marked");
                }
            }
            case PublishOutcome.Rejected rejected -> {
                counts.rejected.increment();
                counts.rejectedBy.get(rejected.reason()).increment();
                if (event.declined()) {
                    counts.problem("declined event " + event.seq() + " got past the filter: " + rejected);
                }
            }
        }
    }

    /** A command caller: bus-scope commands with a 5 ms timeout. */
    private void call(MessageBus b, int caller) {
        SplittableRandom random = new SplittableRandom(seed * 7_000_003 + caller);
        while (!stop) {
            try {
                execute(b, random);
            } catch (BusClosedException e) {
                if (closing(b)) {
                    return;
                }
                counts.problem("execute threw " + e + " while the bus was running");
            }
        }
    }

    private void execute(MessageScope scope, SplittableRandom random) {
        long seq = nextCommand.getAndIncrement();
        double r = random.nextDouble();
        int behavior = r < 0.10 ? ChaosMessages.FAIL : r < 0.20 ? ChaosMessages.SLOW : ChaosMessages.NORMAL;
        CommandResult<Long> result;
        try {
            result = scope.execute(new ChaosCommand(seq, behavior), Duration.ofMillis(5));
        } catch (BusClosedException e) {
            counts.commandRefusedClosed.increment();
            throw e;
        }
        recordCommand(result, seq);
    }

    private void recordCommand(CommandResult<Long> result, long seq) {
        counts.commandResults.increment();
        switch (result) {
            case CommandResult.Success<Long> success -> {
                counts.commandSuccess.increment();
                if (success.value() != seq) {
                    counts.commandWrongValue.increment();
                }
            }
            case CommandResult.Failure<Long> failure -> {
                switch (failure.cause()) {
                    case FailureCause.HandlerThrew threw -> counts.commandThrew.increment();
                    case FailureCause.TimedOut timedOut -> counts.commandTimedOut.increment();
                    case FailureCause.Cancelled cancelled -> counts.commandCancelled.increment();
                    case FailureCause.Rejected rejected -> counts.commandRejected.increment();
                    case FailureCause.NoHandler noHandler -> counts.commandNoHandler.increment();
                    case FailureCause.ApprovalDenied denied -> counts.commandOther.increment();
                    case FailureCause.ApprovalExpired expired -> counts.commandOther.increment();
                }
            }
        }
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

    /** The sampler: the queue never holds more than its capacity (no lifecycle events are in play). */
    private void sample(MessageBus b) {
        try {
            go.await();
        } catch (InterruptedException e) {
            return;
        }
        while (!stop) {
            int size = b.stats().queueSize();
            maxQueueSampled.accumulateAndGet(size, Math::max);
            if (size > CAPACITY) {
                counts.queueAboveCapacity.increment();
            }
            LockSupport.parkNanos(1_000_000);
        }
    }

    /** A session's handler: FIFO within the session, and the slow and stalling behaviours. */
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
                if (event.behavior() == ChaosMessages.SLOW) {
                    Thread.sleep(Duration.ofNanos(200_000));
                } else if (event.behavior() == ChaosMessages.STALL) {
                    Thread.sleep(50);
                } else if (event.behavior() == ChaosMessages.HANG) {
                    hanging.countDown();
                    Thread.sleep(10_000);
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
        public void onDropped(Event event, long eventId, @Nullable String sessionId, Headers headers) {
            if (event instanceof ChaosEvent e) {
                counts.droppedObserved.increment();
                if (!counts.droppedSet.add(e.seq())) {
                    counts.duplicateDrops.increment();
                }
            }
        }
    }
}
