package org.llmgine.bus.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.longs;

import org.junit.jupiter.api.Test;

/** The ADAPTIVE pause is a pure function of the queue's fill: bounded, zero below, maximal above, monotonic. */
final class AdaptivePacingTest {

    @Test
    void pauseIsBounded_zeroAtOrBelowTheLowMark_maximalAtOrAboveTheHigh_andNeverShrinksAsTheQueueGrows() {
        qt().withExamples(2_000)
                .forAll(integers().between(0, 100_000), integers().between(1, 100_000), longs().between(0, Long.MAX_VALUE / 2))
                .checkAssert((low, span, max) -> {
                    int high = (int) Math.min(Integer.MAX_VALUE - 2L, (long) low + span);
                    long previous = 0;
                    for (int size : new int[] {0, low, low + 1, (low + high) / 2, high - 1, high, high + 1}) {
                        long delay = AdaptivePacing.delayNanos(size, low, high, max);
                        assertTrue(delay >= 0 && delay <= max, "delay " + delay + " outside [0, " + max + "]");
                        assertTrue(delay >= previous || size < previous, "shrank at size " + size);
                        if (size <= low) {
                            assertEquals(0, delay);
                        }
                        if (size >= high) {
                            assertEquals(max, delay);
                        }
                        previous = size > low ? delay : previous;
                    }
                });
    }

    @Test
    void pauseGrowsLinearlyBetweenTheMarks() {
        assertEquals(0, AdaptivePacing.delayNanos(5, 5, 8, 300));
        assertEquals(100, AdaptivePacing.delayNanos(6, 5, 8, 300));
        assertEquals(200, AdaptivePacing.delayNanos(7, 5, 8, 300));
        assertEquals(300, AdaptivePacing.delayNanos(8, 5, 8, 300));
        assertEquals(Long.MAX_VALUE / 2, AdaptivePacing.delayNanos(9, 5, 8, Long.MAX_VALUE / 2));
    }
}
