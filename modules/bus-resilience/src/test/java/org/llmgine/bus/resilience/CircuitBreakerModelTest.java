package org.llmgine.bus.resilience;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.lists;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.llmgine.bus.message.Command;
import org.llmgine.bus.message.CommandResult;
import org.llmgine.bus.message.FailureCause;
import org.llmgine.bus.resilience.CircuitBreaker.State;

/**
 * A stateful model check: random configurations and random sequences of successes, failures,
 * slow successes, ignored failures and clock advances run through a real {@link CircuitBreakers}
 * and through a plain model of the documented rules (consecutive failures within a window, the
 * open duration, half-open probes and the success threshold, and the failure-rate and slow-call
 * rules over a count window). After every step the breaker's state must be the model's, and a
 * refused call must never have reached the handler. Probes run one at a time, so the in-flight
 * bound never matters. Every change of state must also have been reported to the listeners.
 */
final class CircuitBreakerModelTest {

    private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
    private static final Ask ASK = new Ask();

    record Ask() implements Command<String> {}

    /** What one step does. */
    enum Kind { FAILURE, SUCCESS, SLOW_SUCCESS, IGNORED, ADVANCE }

    /** One step: its kind and, for a slow success or an advance, how long it takes. */
    record Op(Kind kind, long millis) {
        static Op decode(int code) {
            int rest = code / 8;
            return switch (code % 8) {
                case 0, 1, 2 -> new Op(Kind.FAILURE, 0);
                case 3, 4 -> new Op(Kind.SUCCESS, 0);
                // whole seconds most of the time, so the slow-call boundary is hit exactly
                case 5 -> new Op(Kind.SLOW_SUCCESS, rest % 2 == 0 ? (rest / 2 % 9) * 1000L : rest / 2 % 9000);
                case 6 -> new Op(Kind.IGNORED, 0);
                // whole seconds most of the time, so window and open-duration boundaries are hit exactly
                default -> new Op(Kind.ADVANCE, rest % 3 == 0 ? rest / 3 % 1500 : (rest / 3 % 130) * 1000L);
            };
        }
    }

    /**
     * A random configuration: the consecutive rule always, and maybe a failure-rate rule, a
     * slow-call rule or both over a count window.
     */
    record Cfg(int threshold, long windowMillis, long openMillis, int successThreshold, int probes, int rateWindow,
            int minimumCalls, double failureRate, long slowMillis, double slowRate) {

        static Cfg draw(int threshold, int successThreshold, int seed) {
            var random = new SplittableRandom(seed);
            int rules = random.nextInt(4); // 0 none, 1 failure rate, 2 slow calls, 3 both
            boolean rate = (rules & 1) != 0;
            boolean slow = (rules & 2) != 0;
            // the slow-call rule alone uses the default count window, the last 100 calls
            int rateWindow = rate ? 2 + random.nextInt(7) : slow ? 100 : 0;
            return new Cfg(threshold, 1000L * (1 + random.nextInt(120)), 1000L * (1 + random.nextInt(120)),
                    successThreshold, 1 + random.nextInt(3), rateWindow,
                    rateWindow == 0 ? 1 : 1 + random.nextInt(Math.min(rateWindow, 8)),
                    rate ? new double[] {0.25, 0.5, 0.75, 1.0}[random.nextInt(4)] : 0,
                    slow ? 1000L * (1 + random.nextInt(5)) : 0,
                    slow ? new double[] {0.25, 0.5, 1.0}[random.nextInt(3)] : 0);
        }

        CircuitBreakerConfig toConfig() {
            var b = CircuitBreakerConfig.builder().consecutiveFailures(threshold, Duration.ofMillis(windowMillis))
                    .openDuration(Duration.ofMillis(openMillis)).successThreshold(successThreshold)
                    .halfOpenProbes(probes);
            if (failureRate > 0) {
                b.failureRate(failureRate, rateWindow);
            }
            if (slowMillis > 0) {
                b.slowCalls(Duration.ofMillis(slowMillis), slowRate);
            }
            if (rateWindow > 0) {
                b.minimumCalls(minimumCalls);
            }
            return b.build();
        }
    }

    /** The rules, written plainly: state, the times of the counted failures, the last outcomes. */
    static final class Model {
        private final Cfg cfg;
        State state = State.CLOSED;
        long openedAt;
        private int probeSuccesses;
        private final ArrayDeque<Long> failures = new ArrayDeque<>();
        /** The last {@code rateWindow} outcomes of CLOSED calls: {failed, slow}. */
        private final ArrayDeque<boolean[]> window = new ArrayDeque<>();

        Model(Cfg cfg) {
            this.cfg = cfg;
        }

        /** Whether a call arriving at {@code now} runs; an OPEN breaker past its duration turns HALF_OPEN. */
        boolean admit(long now) {
            if (state == State.OPEN) {
                if (now - openedAt < cfg.openMillis) {
                    return false;
                }
                state = State.HALF_OPEN;
                probeSuccesses = 0;
            }
            return true;
        }

        /** The outcome of an admitted call, ending at {@code now} after taking {@code took} ms. */
        void record(long now, Kind kind, long took) {
            if (kind == Kind.IGNORED) {
                return; // neither a failure nor a success, in any state
            }
            boolean failed = kind == Kind.FAILURE;
            boolean slow = cfg.slowMillis > 0 && took >= cfg.slowMillis;
            if (state == State.HALF_OPEN) {
                if (failed || slow) {
                    open(now);
                } else if (++probeSuccesses >= cfg.successThreshold) {
                    state = State.CLOSED;
                    failures.clear();
                    window.clear();
                }
                return;
            }
            if (cfg.rateWindow > 0) {
                window.addLast(new boolean[] {failed, slow});
                if (window.size() > cfg.rateWindow) {
                    window.removeFirst();
                }
            }
            if (failed) {
                // a failure counts while it is younger than the window
                failures.removeIf(t -> now - t >= cfg.windowMillis);
                failures.addLast(now);
            } else {
                failures.clear();
            }
            if (failures.size() >= cfg.threshold || rateTrips()) {
                open(now);
            }
        }

        private boolean rateTrips() {
            int calls = window.size();
            if (cfg.rateWindow == 0 || calls < cfg.minimumCalls) {
                return false;
            }
            int failed = 0;
            int slow = 0;
            for (boolean[] outcome : window) {
                failed += outcome[0] ? 1 : 0;
                slow += outcome[1] ? 1 : 0;
            }
            return cfg.failureRate > 0 && (double) failed / calls >= cfg.failureRate
                    || cfg.slowMillis > 0 && (double) slow / calls >= cfg.slowRate;
        }

        private void open(long now) {
            state = State.OPEN;
            openedAt = now;
        }

        int callsInWindow() {
            return window.size();
        }
    }

    @Test
    void theBreakerFollowsTheModel_overRandomConfigurationsAndCalls() {
        qt().withExamples(400).withShrinkCycles(200)
                .forAll(integers().between(1, 6), integers().between(1, 4), integers().between(0, 1_000_000),
                        lists().of(integers().between(0, 1_000_000)).ofSizeBetween(1, 150))
                .checkAssert((threshold, successes, seed, codes) -> replay(Cfg.draw(threshold, successes, seed), codes));
    }

    @Test
    void theDefaultConfiguration_followsTheModel_overLongSequences() {
        var defaults = new Cfg(5, 60_000, 60_000, 3, 3, 0, 1, 0, 0, 0);
        qt().withExamples(100).withShrinkCycles(200)
                .forAll(lists().of(integers().between(0, 1_000_000)).ofSizeBetween(50, 400))
                .checkAssert(codes -> replay(defaults, codes));
    }

    private static void replay(Cfg cfg, List<Integer> codes) {
        var clock = new ManualClock(T0);
        var context = TestContext.on(clock);
        var breakers = CircuitBreakers.builder(cfg.toConfig()).clock(clock).build();
        var model = new Model(cfg);
        var invocations = new AtomicInteger();
        List<CircuitBreaker.Transition> reported = new CopyOnWriteArrayList<>();
        breakers.onTransition(reported::add);
        for (int i = 0; i < codes.size(); i++) {
            int step = i;
            Op op = Op.decode(codes.get(step));
            Supplier<String> where = () -> "step " + step + " " + op + " of " + codes.stream().map(Op::decode).toList()
                    + " with " + cfg;
            long now = clock.millis();
            if (op.kind() == Kind.ADVANCE) {
                clock.advance(Duration.ofMillis(op.millis()));
            } else {
                boolean admitted = model.admit(now);
                long took = op.kind() == Kind.SLOW_SUCCESS ? op.millis() : 0;
                int before = invocations.get();
                CommandResult<String> result;
                try {
                    result = breakers.decorate(ASK, null, context, ctx -> {
                        invocations.incrementAndGet();
                        if (took > 0) {
                            clock.advance(Duration.ofMillis(took));
                        }
                        return switch (op.kind()) {
                            case FAILURE -> CommandResult.failure(
                                    new FailureCause.HandlerThrew(new IllegalStateException("model 503")));
                            case IGNORED -> CommandResult.failure(new FailureCause.Cancelled("user pressed stop"));
                            default -> CommandResult.success("ok");
                        };
                    });
                } catch (InterruptedException e) {
                    throw new AssertionError("no call is cancelled here", e);
                }
                if (admitted) {
                    assertEquals(before + 1, invocations.get(), () -> "an admitted call ran once: " + where.get());
                    model.record(clock.millis(), op.kind(), took);
                } else {
                    assertEquals(before, invocations.get(), () -> "a refused call reached the handler: " + where.get());
                    var failure = assertInstanceOf(CommandResult.Failure.class, result, () -> "not refused: " + where.get());
                    var open = assertInstanceOf(FailureCause.CircuitOpen.class, failure.cause(), where);
                    assertEquals(Instant.ofEpochMilli(model.openedAt + cfg.openMillis()), open.retryAt(), where);
                }
            }
            var breaker = breakers.breaker(Ask.class);
            State real = breaker.map(CircuitBreaker::state).orElse(State.CLOSED);
            assertEquals(model.state, real, () -> "state after " + where.get());
            if (breaker.isPresent()) {
                var snapshot = breaker.get().snapshot();
                assertEquals(model.callsInWindow(), snapshot.callsInWindow(), () -> "calls in the window after " + where.get());
                if (model.state == State.OPEN) {
                    assertEquals(Instant.ofEpochMilli(model.openedAt + cfg.openMillis()), snapshot.retryAt(), where);
                }
                // every change of state was reported to the listeners, in order
                State last = reported.isEmpty() ? State.CLOSED : reported.get(reported.size() - 1).to();
                assertEquals(real, last, () -> "the last reported transition of " + reported + " after " + where.get());
                assertEquals(snapshot.transitions(), reported.size(), () -> "transitions reported after " + where.get());
            }
        }
    }
}
