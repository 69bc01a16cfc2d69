package org.llmgine.bus.benchmarks.harness;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.llmgine.bus.BusClosedException;
import org.llmgine.bus.BusState;
import org.llmgine.bus.BusStats;
import org.llmgine.bus.CloseReport;
import org.llmgine.bus.CommandHandle;
import org.llmgine.bus.MessageBus;
import org.llmgine.bus.MessageScope;
import org.llmgine.bus.OverflowStrategy;
import org.llmgine.bus.PublishOutcome;
import org.llmgine.bus.RejectionReason;
import org.llmgine.bus.Session;
import org.llmgine.bus.UnfinishedEvent;
import org.llmgine.bus.benchmarks.harness.ChaosMessages.ChaosCommand;
import org.llmgine.bus.benchmarks.harness.ChaosMessages.ChaosEvent;
import org.llmgine.bus.benchmarks.harness.ChaosMessages.ClosingCommand;
import org.llmgine.bus.message.CommandResult;
import org.llmgine.bus.message.FailureCause;
import org.llmgine.bus.resilience.DeadLetter;
import org.llmgine.bus.resilience.ReplayResult;

/**
 * One bus under chaos for a fixed time, then closed in mid-flight.
 *
 * <p>The bus: capacity {@value #CAPACITY}, the given overflow strategy, a 5 ms publish timeout
 * (BLOCK), ADAPTIVE pauses of at most 1 ms, the filter, observer and handlers of
 * {@link ChaosHandlers}, and the resilience policy of {@link ChaosResilience} (a bulkhead, retries,
 * a circuit breaker and an attempt timeout around the chaos commands, a retry around the failing
 * event handler, a dead letter queue). {@value #OWNERS} publisher threads each own
 * {@value #SESSIONS} sessions: they publish to them or to the bus scope (5 % of events fail in a
 * handler at every attempt and 5 % at the first only, 0.5 % are slow, 0.002 % stall their session
 * long enough to fill the queue, 1 % are declined by the filter), now and then close one session
 * and open another, and execute commands in them. {@value #CALLERS} caller threads execute
 * bus-scope commands. Every command has a 100 ms execute timeout; 2 % fail at every attempt, 10 %
 * at the first one or two, 1 % block past the attempt timeout, and for 10 ms of every 250 ms every
 * attempt fails (an outage). A sampler reads {@code stats()} every millisecond. At the end, with
 * everything still running, the command handler is healed and dead letters are replayed; then a
 * handler and an unguarded command start to hang (until interrupted) in a fresh session with
 * events queued behind the handler, and the bus is closed with a 25 ms deadline while all of that
 * still runs, so the close must cancel and return work.
 */
final class ChaosRun {

    static final int CAPACITY = 512;
    static final int OWNERS = 4;
    static final int SESSIONS = 8;
    static final int CALLERS = 2;
    private static final Duration CLOSE_DEADLINE = Duration.ofMillis(25);
    /** The execute timeout of the harness's commands: longer than the pipeline can take. */
    static final Duration EXECUTE_TIMEOUT = Duration.ofMillis(100);
    /** At the end, at most this many bus-scope dead-lettered commands are replayed... */
    static final int REPLAY_BUS_SCOPE = 100;
    /** ...and at most this many of sessions closed since, which are not run. */
    static final int REPLAY_CLOSED_SESSIONS = 10;

    final OverflowStrategy strategy;
    final ChaosCounts counts = new ChaosCounts();
    private final long seed;
    private final AtomicLong nextSeq = new AtomicLong();
    private final AtomicLong nextClosingSeq = new AtomicLong(ChaosCounts.MAX_EVENTS - ChaosCounts.CLOSING_RESERVE);
    private final AtomicLong nextCommand = new AtomicLong();
    private final AtomicInteger maxQueueSampled = new AtomicInteger();
    private final CountDownLatch go = new CountDownLatch(1);
    private final ChaosHandlers handlers = new ChaosHandlers(counts, OWNERS + 1);
    final ChaosResilience resilience = new ChaosResilience(counts);
    private volatile boolean stop;

    /** What a finished run hands to {@link ChaosVerdict}. */
    record Outcome(ChaosRun run, BusStats stats, CloseReport report, int maxQueueSampled, long stuckThreads,
            double seconds, ChaosResilience.Snapshot resilience) {
    }

    ChaosRun(OverflowStrategy strategy, long seed) {
        this.strategy = strategy;
        this.seed = seed;
    }

    /**
     * Runs the bus for {@code seconds}, closes it in mid-flight and stops every harness thread.
     *
     * @param seconds how long to run before the close
     * @return the final statistics, close report and counts
     * @throws InterruptedException if interrupted
     */
    Outcome run(double seconds) throws InterruptedException {
        MessageBus b = resilience.installOn(handlers.configure(MessageBus.builder()
                .name("chaos-" + strategy.name().toLowerCase(java.util.Locale.ROOT)).queueCapacity(CAPACITY)
                .overflowStrategy(strategy).publishTimeout(Duration.ofMillis(5)).adaptiveMaxDelay(Duration.ofMillis(1))
                .closeTimeout(Duration.ofSeconds(5)))).build();
        handlers.register(b);
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
        replayDeadLetters(b);
        CommandHandle<Long> hung = hangBeforeClose(b);
        CloseReport report = b.close(CLOSE_DEADLINE);
        recordCommand(hung.result().join(), -1, Source.CLOSING);
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
        for (UnfinishedEvent returned : report.returned()) {
            if (returned.event() instanceof ChaosEvent e && !counts.returnedSet.add(e.seq())) {
                counts.problem("event " + e.seq() + " returned twice in the close report");
            }
        }
        return new Outcome(this, b.stats(), report, maxQueueSampled.get(), stuck, elapsed, resilience.snapshot());
    }

    /**
     * While the publishers and callers still run: heals the command handler, waits (at most a
     * second) for the breakers to close, then replays the oldest {@value #REPLAY_BUS_SCOPE}
     * dead-lettered bus-scope commands (each an execution, recorded as a result) and
     * {@value #REPLAY_CLOSED_SESSIONS} of sessions closed since (not run: a closed session never
     * reopens, its ids being unique). Open sessions' entries are left alone: their owner may close
     * the session while the replay runs.
     */
    private void replayDeadLetters(MessageBus b) throws InterruptedException {
        handlers.heal();
        long limit = System.nanoTime() + TimeUnit.SECONDS.toNanos(1);
        while (!resilience.breakersClosed() && System.nanoTime() < limit) {
            Thread.sleep(5);
        }
        int busScope = 0;
        int closedSessions = 0;
        List<DeadLetter> entries = resilience.deadLetters.list();
        for (DeadLetter entry : entries) {
            counts.deadLettersListed.increment();
            if (entry.cause() instanceof FailureCause.TimedOut) {
                counts.deadLettersTimedOut.increment();
                if (entry.attempts() == 0) {
                    counts.deadLettersTimedOutNoAttempts.increment();
                }
            }
        }
        for (DeadLetter entry : entries) {
            if (entry.isEvent() || !(entry.message() instanceof ChaosCommand command)) {
                counts.problem("dead letter " + entry.id() + " is not a chaos command: " + entry.message());
                continue;
            }
            if (entry.sessionId() == null) {
                if (busScope >= REPLAY_BUS_SCOPE) {
                    continue;
                }
                busScope++;
            } else {
                if (closedSessions >= REPLAY_CLOSED_SESSIONS || b.session(entry.sessionId()).isPresent()) {
                    continue;
                }
                closedSessions++;
            }
            counts.replayAttempted.increment();
            switch (resilience.deadLetters.replay(entry.id())) {
                case ReplayResult.Replayed replayed -> {
                    counts.replayReplayed.increment();
                    @SuppressWarnings("unchecked")
                    CommandResult<Long> result = (CommandResult<Long>) replayed.result();
                    recordCommand(result, command.seq(), Source.REPLAY);
                }
                case ReplayResult.StillFailing still -> {
                    counts.replayStillFailing.increment();
                    recordCommand(CommandResult.failure(still.entry().cause()), command.seq(), Source.REPLAY);
                }
                case ReplayResult.NotReplayed not -> {
                    counts.replayNotReplayed.increment();
                    if (entry.sessionId() == null) {
                        counts.problem("bus-scope dead letter " + entry.id() + " was not replayed: " + not.reason());
                    }
                }
                case ReplayResult.UnknownId unknown -> counts.replayUnknownId.increment();
                case ReplayResult.StillRunning running -> {
                    // a command's replay is cut by its execute timeout, so it never runs past it
                    counts.replayNotReplayed.increment();
                    counts.problem("command dead letter " + entry.id() + " still ran after the replay timeout");
                }
            }
            if (busScope >= REPLAY_BUS_SCOPE && closedSessions >= REPLAY_CLOSED_SESSIONS) {
                break;
            }
        }
    }

    /**
     * Makes sure the close has something to cut short: a session whose lane is blocked by a hanging
     * handler with events queued behind it (to be cancelled and returned) and a hanging command (to
     * be cancelled).
     */
    private CommandHandle<Long> hangBeforeClose(MessageBus b) throws InterruptedException {
        Session session = b.openSession("closing");
        handlers.watch(session);
        // The queue may be full (REJECT_NEW rejects) or evict the hanging event (DROP_OLDEST): retry
        // until a hanging handler has started.
        for (int attempt = 0; attempt < 100 && !handlers.awaitHangingHandler(0); attempt++) {
            publishUntilAccepted(session, new ChaosEvent(nextClosingSeq.getAndIncrement(), OWNERS, false,
                    ChaosMessages.HANG));
            handlers.awaitHangingHandler(20);
        }
        for (int i = 0; i < 63; i++) {
            publishUntilAccepted(session, new ChaosEvent(nextClosingSeq.getAndIncrement(), OWNERS, false,
                    ChaosMessages.NORMAL));
        }
        CommandHandle<Long> hung = b.executeAsync(new ClosingCommand());
        handlers.awaitHangingCommand(1000);
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
            int behavior = r < 0.05 ? ChaosMessages.FAIL : r < 0.10 ? ChaosMessages.TRANSIENT
                    : r < 0.105 ? ChaosMessages.SLOW : r < 0.10502 ? ChaosMessages.STALL : ChaosMessages.NORMAL;
            ChaosEvent event = new ChaosEvent(seq, owner, random.nextInt(100) == 0, behavior);
            int target = random.nextInt(SESSIONS + 1);
            MessageScope scope = target == SESSIONS ? b : sessions[target];
            PublishOutcome outcome = scope.publish(event);
            record(event, outcome);
            if (refusedClosed(outcome)) {
                // A closed bus or session rejects the publish (counted as published and rejected).
                counts.refusedClosed.increment();
                if (closing(b)) {
                    return;
                }
                counts.problem("publish was refused as closed (" + outcome + ") while the bus was running");
            }
            try {
                if (random.nextInt(500) == 0) {
                    int i = random.nextInt(SESSIONS);
                    sessions[i].close();
                    counts.sessionsClosed.increment();
                    sessions[i] = open(b, owner, opened++);
                }
                if (random.nextInt(200) == 0 && !execute(sessions[random.nextInt(SESSIONS)], random, false)) {
                    if (closing(b)) {
                        return;
                    }
                    counts.problem("a session's execute was refused as unavailable while the bus was running");
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
        handlers.watch(session);
        return session;
    }

    /** Tells whether a publish was rejected because its bus or session is closing or closed. */
    private static boolean refusedClosed(PublishOutcome outcome) {
        return outcome instanceof PublishOutcome.Rejected rejected
                && (rejected.reason() == RejectionReason.BUS_CLOSED || rejected.reason() == RejectionReason.SESSION_CLOSED);
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
                // A closed scope refuses before the filters run (as the throw of a closed scope once did).
                if (event.declined() && !refusedClosed(rejected)) {
                    counts.problem("declined event " + event.seq() + " got past the filter: " + rejected);
                }
            }
        }
    }

    /** A command caller: bus-scope commands with the execute timeout, a millisecond's pause after CircuitOpen. */
    private void call(MessageBus b, int caller) {
        SplittableRandom random = new SplittableRandom(seed * 7_000_003 + caller);
        while (!stop) {
            if (!execute(b, random, true)) {
                if (closing(b)) {
                    return;
                }
                counts.problem("execute was refused as unavailable while the bus was running");
            }
        }
    }

    /**
     * Executes one command and records its result.
     *
     * @param backOff whether to wait a millisecond after a CircuitOpen result, as a client would
     *     instead of calling an open breaker again at once
     * @return false if the scope refused it as unavailable (closing or closed): such an execution
     *     never started, so the bus counts it as refused, not executed, and the harness keeps it out
     *     of its results too
     */
    private boolean execute(MessageScope scope, SplittableRandom random, boolean backOff) {
        long seq = nextCommand.getAndIncrement();
        double r = random.nextDouble();
        int behavior = r < 0.02 ? ChaosMessages.FAIL : r < 0.12 ? ChaosMessages.TRANSIENT
                : r < 0.13 ? ChaosMessages.BLOCK : ChaosMessages.NORMAL;
        CommandResult<Long> result = scope.execute(new ChaosCommand(seq, behavior), EXECUTE_TIMEOUT);
        if (result instanceof CommandResult.Failure<Long> failure && failure.cause() instanceof FailureCause.Unavailable) {
            counts.commandRefusedClosed.increment();
            return false;
        }
        recordCommand(result, seq, Source.CALL);
        if (backOff && result instanceof CommandResult.Failure<Long> failure
                && failure.cause() instanceof FailureCause.CircuitOpen) {
            LockSupport.parkNanos(1_000_000);
        }
        return true;
    }

    /** Where a command result came from. */
    enum Source {
        /** A chaos command a publisher or caller executed, through the pipeline. */
        CALL,
        /** A dead-lettered chaos command replayed, through the pipeline (never dead-lettered again). */
        REPLAY,
        /** The closing command, unguarded. */
        CLOSING
    }

    /** Records one result: exactly one of success or a failure by cause. */
    void recordCommand(CommandResult<Long> result, long seq, Source source) {
        counts.commandResults.increment();
        if (source != Source.CLOSING) {
            counts.guardedResults.increment();
        }
        switch (result) {
            case CommandResult.Success<Long> success -> {
                counts.commandSuccess.increment();
                if (success.value() != seq) {
                    counts.commandWrongValue.increment();
                }
            }
            case CommandResult.Failure<Long> failure -> {
                FailureCause cause = failure.cause();
                if (source == Source.CALL && ChaosResilience.deadLetters(cause)
                        && !(cause instanceof FailureCause.TimedOut t && !ChaosResilience.attemptTimeout(t))) {
                    counts.deadLetterExpected.increment();
                }
                switch (cause) {
                    case FailureCause.HandlerThrew threw -> counts.commandThrew.increment();
                    case FailureCause.TimedOut timedOut -> {
                        if (ChaosResilience.attemptTimeout(timedOut)) {
                            counts.commandAttemptTimedOut.increment();
                        } else {
                            counts.commandTimedOut.increment();
                        }
                    }
                    case FailureCause.Cancelled cancelled -> counts.commandCancelled.increment();
                    case FailureCause.Rejected rejected -> counts.commandRejected.increment();
                    case FailureCause.NoHandler noHandler -> counts.commandNoHandler.increment();
                    case FailureCause.CircuitOpen open -> counts.commandCircuitOpen.increment();
                    case FailureCause.BulkheadFull full -> counts.commandBulkheadFull.increment();
                    case FailureCause.RetriesExhausted exhausted -> counts.commandRetriesExhausted.increment();
                    case FailureCause.ApprovalDenied denied -> counts.commandOther.increment();
                    case FailureCause.ApprovalExpired expired -> counts.commandOther.increment();
                    // Refusals are kept out of the results by execute.
                    case FailureCause.Unavailable unavailable -> counts.commandOther.increment();
                    case FailureCause.RateLimited limited -> counts.commandOther.increment();
                    case FailureCause.Other other -> counts.commandOther.increment();
                }
            }
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
            int size = b.stats().queue().size();
            maxQueueSampled.accumulateAndGet(size, Math::max);
            if (size > CAPACITY) {
                counts.queueAboveCapacity.increment();
            }
            LockSupport.parkNanos(1_000_000);
        }
    }
}
