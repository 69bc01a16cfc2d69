package org.llmgine.bus.resilience;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.doubles;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.longs;

import java.time.Duration;
import java.util.HashSet;
import java.util.Optional;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.llmgine.bus.message.FailureCause;

/** The backoff is a pure function: bounded, exponential, capped, jittered within its bound. */
final class BackoffTest {

    private static final FailureCause THREW = new FailureCause.HandlerThrew(new IllegalStateException("model 503"));

    @Test
    void withoutJitter_theGapsDoubleFromTheInitialDelay_asThePythonBusScenario() {
        var policy = RetryPolicy.builder().initialDelay(Duration.ofMillis(10)).jitter(false).build();
        assertEquals(Duration.ofMillis(10), Backoff.delay(policy, 1, THREW, 0.5));
        assertEquals(Duration.ofMillis(20), Backoff.delay(policy, 2, THREW, 0.5));
        assertEquals(Duration.ofMillis(40), Backoff.delay(policy, 3, THREW, 0.99));
    }

    @Test
    void jitter_staysWithinZeroAndTheDelay_andVaries() {
        var policy = RetryPolicy.defaults();
        var random = new SplittableRandom(42);
        var seen = new HashSet<Duration>();
        for (int i = 0; i < 1_000; i++) {
            Duration delay = Backoff.delay(policy, 2, THREW, random.nextDouble());
            assertTrue(!delay.isNegative() && delay.compareTo(Duration.ofMillis(200)) <= 0, delay.toString());
            seen.add(delay);
        }
        assertTrue(seen.size() > 900, "jittered delays should vary, saw " + seen.size() + " distinct");
    }

    @Test
    void aProvidersRetryAfter_winsOverTheBackoff() {
        var policy = RetryPolicy.defaults();
        var limited = new FailureCause.RateLimited("openai", Duration.ofSeconds(7));
        assertEquals(Duration.ofSeconds(7), Backoff.delay(policy, 1, limited, 0.1));
        var custom = RetryPolicy.builder().delayFromCause(c -> c instanceof FailureCause.HandlerThrew threw
                && threw.error().getMessage().contains("503") ? Optional.of(Duration.ofSeconds(3)) : Optional.empty())
                .build();
        assertEquals(Duration.ofSeconds(3), Backoff.delay(custom, 5, THREW, 0.9));
    }

    @Test
    void theDelayIsBoundedByTheCappedBackoff_forRandomPoliciesAndRetries() {
        qt().forAll(longs().between(0, 5_000), doubles().between(1.0, 4.0), integers().between(1, 60),
                doubles().between(0.0, 0.999_999)).checkAssert((initialMillis, multiplier, retry, uniform) -> {
                    var maxDelay = Duration.ofMillis(initialMillis).multipliedBy(20);
                    var exact = RetryPolicy.builder().initialDelay(Duration.ofMillis(initialMillis))
                            .multiplier(multiplier).maxDelay(maxDelay).jitter(false).build();
                    var jittered = RetryPolicy.builder().initialDelay(Duration.ofMillis(initialMillis))
                            .multiplier(multiplier).maxDelay(maxDelay).build();
                    Duration backoff = Backoff.backoff(exact, retry);
                    assertTrue(backoff.compareTo(maxDelay) <= 0, "capped: " + backoff + " > " + maxDelay);
                    assertTrue(backoff.compareTo(Duration.ofMillis(initialMillis)) >= 0 || backoff.equals(maxDelay));
                    if (retry > 1) {
                        assertTrue(backoff.compareTo(Backoff.backoff(exact, retry - 1)) >= 0, "never shrinks");
                    }
                    assertEquals(backoff, Backoff.delay(exact, retry, THREW, uniform));
                    Duration delay = Backoff.delay(jittered, retry, THREW, uniform);
                    assertTrue(!delay.isNegative() && delay.compareTo(backoff) <= 0, delay + " outside [0, " + backoff + "]");
                });
    }

    @Test
    void theDefaultsAreThePythonBuses_andBadValuesAreNamed() {
        var defaults = RetryPolicy.defaults();
        assertEquals(4, defaults.maxAttempts());
        assertEquals(Duration.ofMillis(100), defaults.initialDelay());
        assertEquals(2.0, defaults.multiplier());
        assertEquals(Duration.ofSeconds(10), defaults.maxDelay());
        assertTrue(defaults.jitter());
        assertTrue(defaults.maxTotalDuration().isEmpty());
        assertTrue(defaults.retries(THREW));
        assertTrue(!defaults.retries(new FailureCause.Cancelled("user stopped")));
        assertEquals("maxAttempts must be at least 1, but was 0",
                assertThrows(IllegalArgumentException.class, () -> RetryPolicy.builder().maxAttempts(0)).getMessage());
        assertEquals("multiplier must be a finite number of at least 1, but was 0.5",
                assertThrows(IllegalArgumentException.class, () -> RetryPolicy.builder().multiplier(0.5)).getMessage());
        assertEquals("initialDelay must not be negative, but was PT-0.001S", assertThrows(IllegalArgumentException.class,
                () -> RetryPolicy.builder().initialDelay(Duration.ofMillis(-1))).getMessage());
        assertTrue(assertThrows(IllegalArgumentException.class, () -> RetryPolicy.builder()
                .initialDelay(Duration.ofSeconds(20)).build()).getMessage().contains("maxDelay must not be shorter"));
        assertEquals("uniform must be in [0, 1), but was 1.0",
                assertThrows(IllegalArgumentException.class, () -> Backoff.delay(defaults, 1, THREW, 1.0)).getMessage());
        assertEquals(Duration.ofSeconds(10), Backoff.backoff(defaults, 1_000), "huge retries saturate at the cap");
    }
}
