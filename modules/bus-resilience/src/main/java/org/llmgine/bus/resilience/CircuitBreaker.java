package org.llmgine.bus.resilience;

import java.time.Instant;
import java.time.InstantSource;
import java.util.Objects;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;
import org.llmgine.bus.handler.HandlerInfo;
import org.llmgine.bus.handler.MessageContext;
import org.llmgine.bus.message.CommandResult;
import org.llmgine.bus.message.FailureCause;
import org.llmgine.bus.message.Message;

/**
 * One circuit breaker: the state machine that stops calling a failing handler or provider, then
 * probes it and closes again. {@link CircuitBreakers} makes one per key and runs calls through it;
 * on its own ({@link #of}) it is a decorator that guards every call it is given with one state.
 *
 * <p>CLOSED admits every call and records its outcome; a rule of the {@link CircuitBreakerConfig}
 * opens it. OPEN refuses every call with {@link FailureCause.CircuitOpen}, naming when it will try
 * again, until the open duration has passed; the next call then makes it HALF_OPEN, which admits
 * a bounded number of concurrent probes. One failed probe opens it again; enough successful ones
 * close it. The manual states: DISABLED admits and records nothing, FORCED_OPEN refuses everything
 * (its retry time is {@link Instant#MAX}), METRICS_ONLY admits everything and records outcomes but
 * never opens. Every transition is reported to the listeners (a {@code CircuitBreakers} publishes
 * it as a {@link CircuitBreakerTransitioned} lifecycle event).
 *
 * <p>Concurrency: the state is a volatile read on every call; a success while CLOSED with no
 * failure counted and no rate rule takes no lock and allocates nothing. Everything else (failures,
 * rate windows, probes, transitions) is guarded by one ReentrantLock; listeners run after it is
 * released. Time comes from the injected clock, in milliseconds.
 */
public final class CircuitBreaker implements Decorator {

    /** A breaker's state. */
    public enum State {
        /** Calls run and are recorded. */
        CLOSED,
        /** Calls are refused until the open duration has passed. */
        OPEN,
        /** A bounded number of probes run; their outcome opens or closes the breaker. */
        HALF_OPEN,
        /** Set by hand: calls run and nothing is recorded. */
        DISABLED,
        /** Set by hand: every call is refused. */
        FORCED_OPEN,
        /** Set by hand: calls run and are recorded, but the breaker never opens. */
        METRICS_ONLY
    }

    /**
     * A change of state.
     *
     * @param breaker the breaker's name
     * @param from the state before
     * @param to the state after
     * @param at when, on the breaker's clock
     * @param reason what caused it, for example {@code "5 consecutive failures"}
     */
    public record Transition(String breaker, State from, State to, Instant at, String reason) {
        /** Checks the fields. */
        public Transition {
            Objects.requireNonNull(breaker, "breaker");
            Objects.requireNonNull(from, "from");
            Objects.requireNonNull(to, "to");
            Objects.requireNonNull(at, "at");
            Objects.requireNonNull(reason, "reason");
        }
    }

    /**
     * What a breaker holds at one moment.
     *
     * @param name the breaker's name
     * @param state its state
     * @param consecutiveFailures failures in a row inside the consecutive window
     * @param callsInWindow calls in the rate window (0 without a rate rule)
     * @param failureRate failed share of the rate window, 0 to 1
     * @param slowCallRate slow share of the rate window, 0 to 1
     * @param retryAt when an open breaker admits probes, or null unless OPEN or FORCED_OPEN
     * @param transitions how many transitions it has made
     */
    public record Snapshot(String name, State state, int consecutiveFailures, int callsInWindow, double failureRate,
            double slowCallRate, @Nullable Instant retryAt, long transitions) {
    }

    /** Admission codes of {@link #admit}, in the low two bits; a probe's carries its half-open period above them. */
    static final int REFUSED = 0;
    static final int PERMITTED = 1;
    static final int PROBE = 2;
    static final int UNRECORDED = 3;

    private final String name;
    private final CircuitBreakerConfig config;
    private final InstantSource clock;
    private final long openMillis;
    private final long consecutiveWindowMillis;
    private final long slowMillis;
    private final @Nullable RateWindow window;
    private final Listeners<Transition> listeners;
    private final ReentrantLock lock = new ReentrantLock();
    private final LongAdder successful = new LongAdder();
    private final LongAdder failed = new LongAdder();
    private final LongAdder notPermitted = new LongAdder();
    private final LongAdder slow = new LongAdder();

    private volatile State state = State.CLOSED;
    /** Failures in a row inside the window; volatile for the lock-free success path. */
    private volatile int consecutive;
    /** Times of the counted consecutive failures, oldest first (a ring). Guarded by lock. */
    private final long[] failureTimes;
    private int oldest;
    private long openedAt;
    private int probesInFlight;
    /** The half-open period: probes of an earlier one are not counted in this one. Guarded by lock. */
    private int generation;
    private int probeSuccesses;
    private long transitions;

    CircuitBreaker(String name, CircuitBreakerConfig config, InstantSource clock) {
        this.name = Objects.requireNonNull(name, "name");
        this.listeners = new Listeners<>("transition listener of circuit breaker '" + name + "'");
        this.config = Objects.requireNonNull(config, "config");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.openMillis = Durations.millis(config.openDuration());
        this.consecutiveWindowMillis = Durations.millis(config.consecutiveWindow());
        this.slowMillis = config.slowCallDuration().map(Durations::millis).orElse(Long.MAX_VALUE);
        this.window = config.hasRateWindow() ? new RateWindow(config.windowType(), config.windowSize()) : null;
        this.failureTimes = new long[Math.max(1, config.consecutiveThreshold())];
    }

    /**
     * Makes a breaker of its own, outside any {@link CircuitBreakers}: one state for every call it
     * decorates, for a pipeline stage or for code that guards a call by hand.
     *
     * @param name its name, used in failures and events
     * @param config its configuration
     * @param clock its clock: give it the bus's
     * @return a closed breaker
     */
    public static CircuitBreaker of(String name, CircuitBreakerConfig config, InstantSource clock) {
        return new CircuitBreaker(name, config, clock);
    }

    /**
     * Returns the breaker's name.
     *
     * @return the name
     */
    public String name() {
        return name;
    }

    /**
     * Returns the breaker's configuration.
     *
     * @return the configuration
     */
    public CircuitBreakerConfig config() {
        return config;
    }

    /**
     * Returns the state now. An OPEN breaker whose open duration has passed stays OPEN until a
     * call arrives and makes it HALF_OPEN.
     *
     * @return the state
     */
    public State state() {
        return state;
    }

    /**
     * Registers a listener of transitions, called on the thread that caused each, after the
     * breaker's lock is released; it must not block.
     *
     * @param listener the listener
     * @return an action that removes it
     */
    public Runnable onTransition(Consumer<Transition> listener) {
        return listeners.add(listener);
    }

    /** Stops recording and admits every call, until {@link #reset()}. */
    public void disable() {
        manual(State.DISABLED, "disabled by hand");
    }

    /** Refuses every call, until {@link #reset()}. */
    public void forceOpen() {
        manual(State.FORCED_OPEN, "forced open by hand");
    }

    /** Admits every call and records outcomes, but never opens, until {@link #reset()}. */
    public void metricsOnly() {
        manual(State.METRICS_ONLY, "set to metrics only by hand");
    }

    /** Closes the breaker and forgets every recorded outcome. */
    public void reset() {
        manual(State.CLOSED, "reset by hand");
    }

    /**
     * Returns what the breaker holds now.
     *
     * @return a snapshot
     */
    public Snapshot snapshot() {
        long now = clock.millis();
        lock.lock();
        try {
            RateWindow w = window;
            Instant retryAt = switch (state) {
                case OPEN -> Instant.ofEpochMilli(Durations.plus(openedAt, openMillis));
                case FORCED_OPEN -> Instant.MAX;
                default -> null;
            };
            return new Snapshot(name, state, failuresInWindow(now), w == null ? 0 : w.calls(now),
                    w == null ? 0 : w.failureRate(now), w == null ? 0 : w.slowRate(now), retryAt, transitions);
        } finally {
            lock.unlock();
        }
    }

    @Override
    public <R> CommandResult<R> decorate(Message message, @Nullable HandlerInfo handler, MessageContext context,
            Call<R> next) throws InterruptedException {
        int admission = admit();
        if (admission == REFUSED) {
            notPermitted.increment();
            return CommandResult.failure(refusal());
        }
        long start = timesCalls() ? clock.millis() : 0;
        CommandResult<R> result;
        try {
            result = next.call(context);
        } catch (InterruptedException | RuntimeException | Error e) {
            release(admission);
            throw e;
        }
        FailureCause cause = result instanceof CommandResult.Failure<R> failure ? failure.cause() : null;
        if (admission != UNRECORDED) {
            if (cause == null) {
                successful.increment();
            } else if (config.records(cause)) {
                failed.increment();
            }
        }
        record(admission, cause, start);
        return result;
    }

    /**
     * How many calls the breaker has seen, by kind, since it was made (as Resilience4j counts them):
     * the counts a metrics binding exports.
     *
     * @param successful admitted calls that succeeded
     * @param failed admitted calls whose failure counts against the breaker
     * @param notPermitted calls refused without running
     * @param slow admitted calls at or above the slow-call duration (also counted as successful or failed)
     */
    public record Calls(long successful, long failed, long notPermitted, long slow) {
    }

    /**
     * Returns the calls seen so far, by kind. DISABLED calls are not counted; calls whose failure
     * the breaker ignores count as neither successful nor failed.
     *
     * @return the counts
     */
    public Calls calls() {
        return new Calls(successful.sum(), failed.sum(), notPermitted.sum(), slow.sum());
    }

    /** The failure of a refused call. */
    FailureCause.CircuitOpen refusal() {
        State s = state;
        Instant retryAt = s == State.FORCED_OPEN ? Instant.MAX
                : s == State.OPEN ? Instant.ofEpochMilli(Durations.plus(openedAt, openMillis)) : clock.instant();
        return new FailureCause.CircuitOpen(name, retryAt);
    }

    /** Decides whether a call may run: REFUSED, PERMITTED, PROBE (counted in flight) or UNRECORDED. */
    int admit() {
        State s = state;
        if (s == State.CLOSED || s == State.METRICS_ONLY) {
            return PERMITTED;
        }
        if (s == State.DISABLED) {
            return UNRECORDED;
        }
        if (s == State.FORCED_OPEN) {
            return REFUSED;
        }
        Transition change = null;
        int admission;
        lock.lock();
        try {
            if (state == State.OPEN) {
                long now = clock.millis();
                if (now - openedAt < openMillis) {
                    return REFUSED;
                }
                change = move(State.HALF_OPEN, now, "open for " + config.openDuration());
            }
            if (state == State.HALF_OPEN) {
                if (probesInFlight >= config.halfOpenProbes()) {
                    admission = REFUSED;
                } else {
                    probesInFlight++;
                    admission = (generation << 2) | PROBE;
                }
            } else {
                admission = state == State.FORCED_OPEN ? REFUSED
                        : state == State.DISABLED ? UNRECORDED : PERMITTED;
            }
        } finally {
            lock.unlock();
        }
        publish(change);
        return admission;
    }

    /** Whether this breaker needs the call's start time (only the slow-call rule does). */
    boolean timesCalls() {
        return slowMillis != Long.MAX_VALUE;
    }

    /**
     * Records the outcome of an admitted call.
     *
     * @param admission what {@link #admit} returned
     * @param cause the failure, or null for a success
     * @param startMillis when the call started, if {@link #timesCalls()}
     */
    void record(int admission, @Nullable FailureCause cause, long startMillis) {
        if (cause == null && admission == PERMITTED && window == null && consecutive == 0 && !timesCalls()) {
            return; // the fast path, small enough to inline: a success with nothing to clear
        }
        if (admission != UNRECORDED) {
            recordOutcome(admission, cause, startMillis);
        }
    }

    private void recordOutcome(int admission, @Nullable FailureCause cause, long startMillis) {
        boolean counted = cause == null || config.records(cause);
        boolean failed = cause != null && counted;
        Transition change;
        lock.lock();
        try {
            long now = clock.millis();
            boolean slow = timesCalls() && now - startMillis >= slowMillis;
            if (slow) {
                this.slow.increment();
            }
            change = (admission & 3) == PROBE ? probed(admission >>> 2, now, counted, failed, slow)
                    : recorded(now, counted, failed, slow);
        } finally {
            lock.unlock();
        }
        publish(change);
    }

    /** A probe's outcome, under the lock: one failure (or slow call) reopens, enough successes close. */
    private @Nullable Transition probed(int period, long now, boolean counted, boolean failed, boolean slow) {
        if (period != generation) {
            return null; // a probe of a half-open period that has ended: it says nothing about this one
        }
        probesInFlight--;
        if (state != State.HALF_OPEN || !counted) {
            return null;
        }
        if (failed || slow) {
            return open(now, failed ? "a probe failed" : "a probe was slow");
        }
        return ++probeSuccesses >= config.successThreshold()
                ? move(State.CLOSED, now, probeSuccesses + " probes succeeded") : null;
    }

    /** A CLOSED (or METRICS_ONLY) call's outcome, under the lock. */
    private @Nullable Transition recorded(long now, boolean counted, boolean failed, boolean slow) {
        if (!counted || (state != State.CLOSED && state != State.METRICS_ONLY)) {
            return null; // ignored, or the call finished after the breaker left CLOSED
        }
        if (window != null) {
            window.record(now, failed, slow);
        }
        if (config.consecutiveThreshold() > 0) {
            if (failed) {
                addFailure(now);
            } else {
                consecutive = 0;
            }
        }
        if (state == State.CLOSED) {
            String reason = tripReason(now);
            if (reason != null) {
                return open(now, reason);
            }
        }
        return null;
    }

    /** Releases a probe whose call ended without an outcome to record (it was cancelled). */
    void release(int admission) {
        if ((admission & 3) != PROBE) {
            return;
        }
        lock.lock();
        try {
            if (admission >>> 2 == generation) {
                probesInFlight--;
            }
        } finally {
            lock.unlock();
        }
    }

    private void addFailure(long now) {
        int threshold = failureTimes.length;
        // drop the failures that are outside the window (they are in time order)
        int n = consecutive;
        while (n > 0 && failureTimes[oldest] <= now - consecutiveWindowMillis) {
            oldest = (oldest + 1) % threshold;
            n--;
        }
        if (n == threshold) { // full: the oldest makes room (only when the threshold did not trip, METRICS_ONLY)
            oldest = (oldest + 1) % threshold;
            n--;
        }
        failureTimes[(oldest + n) % threshold] = now;
        consecutive = n + 1;
    }

    /** The counted consecutive failures not older than the window; does not change them. Under the lock. */
    private int failuresInWindow(long now) {
        int n = consecutive;
        int expired = 0;
        while (expired < n && failureTimes[(oldest + expired) % failureTimes.length] <= now - consecutiveWindowMillis) {
            expired++;
        }
        return n - expired;
    }

    private @Nullable String tripReason(long now) {
        int threshold = config.consecutiveThreshold();
        if (threshold > 0 && consecutive >= threshold) {
            return consecutive + " consecutive failures within " + config.consecutiveWindow();
        }
        RateWindow w = window;
        if (w != null && w.calls(now) >= config.minimumCalls()) {
            if (config.failureRateThreshold() > 0 && w.failureRate(now) >= config.failureRateThreshold()) {
                return "failure rate " + w.failureRate(now) + " of " + w.calls(now) + " calls";
            }
            if (timesCalls() && w.slowRate(now) >= config.slowCallRateThreshold()) {
                return "slow-call rate " + w.slowRate(now) + " of " + w.calls(now) + " calls";
            }
        }
        return null;
    }

    private Transition open(long now, String reason) {
        openedAt = now;
        return move(State.OPEN, now, reason);
    }

    /** Changes state under the lock and returns the transition to publish after it. */
    private Transition move(State to, long now, String reason) {
        State from = state;
        if (to == State.CLOSED || to == State.HALF_OPEN) {
            probeSuccesses = 0;
        }
        if (to == State.HALF_OPEN || from == State.HALF_OPEN) {
            generation++; // a new half-open period, or its end: the probes still running belong to none
            probesInFlight = 0;
        }
        if (to == State.CLOSED) {
            consecutive = 0;
            oldest = 0;
            if (window != null) {
                window.clear();
            }
        }
        state = to;
        transitions++;
        return new Transition(name, from, to, Instant.ofEpochMilli(now), reason);
    }

    private void manual(State to, String reason) {
        Transition change;
        lock.lock();
        try {
            if (state == to && to != State.CLOSED) {
                return;
            }
            change = move(to, clock.millis(), reason);
            generation++;
            probesInFlight = 0;
        } finally {
            lock.unlock();
        }
        publish(change);
    }

    private void publish(@Nullable Transition change) {
        if (change == null) {
            return;
        }
        JfrEvents.transition(change);
        listeners.tell(change); // a listener that throws is logged: it must not fail the call that caused the change
    }

    @Override
    public String toString() {
        return "CircuitBreaker[" + name + ", " + state + "]";
    }
}
