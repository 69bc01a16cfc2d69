package org.llmgine.bus.internal;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.llmgine.bus.ManualClock;
import org.llmgine.bus.MessageBus;
import org.llmgine.bus.message.Event;

/** An idle bus with pending scheduled events has its one timer thread parked: no spinning, no polling. */
final class TimerParkingTest {

    record Tick() implements Event {}

    private static void assertParked(Thread timer) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (!Set.of(Thread.State.WAITING, Thread.State.TIMED_WAITING).contains(timer.getState())) {
            assertTrue(System.nanoTime() < deadline, "timer thread not parked: " + timer.getState());
            Thread.onSpinWait();
        }
        // it stays parked: sample it repeatedly while nothing is due
        for (int i = 0; i < 1_000; i++) {
            Thread.State state = timer.getState();
            assertTrue(state == Thread.State.WAITING || state == Thread.State.TIMED_WAITING, "timer woke up: " + state);
            Thread.onSpinWait();
        }
    }

    @Test
    void theTimerThreadIsParked_whileScheduledEventsWait() {
        var clock = new ManualClock(Instant.parse("2026-01-01T00:00:00Z"));
        try (var bus = (DefaultMessageBus) MessageBus.builder().name("parked").clock(clock).start()) {
            Thread timer = bus.schedules().timer().thread();
            assertNotNull(timer);
            assertParked(timer);

            bus.schedule(new Tick(), Duration.ofHours(1));
            bus.schedule(new Tick(), Duration.ofHours(2));
            assertParked(timer);

            clock.advance(Duration.ofMinutes(30)); // wakes it; nothing is due; it parks again
            assertParked(timer);
        }
    }
}
