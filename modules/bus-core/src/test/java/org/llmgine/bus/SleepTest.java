package org.llmgine.bus;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.llmgine.bus.message.Command;
import org.llmgine.bus.message.CommandResult;
import org.llmgine.bus.message.FailureCause;

/** {@code MessageContext.sleep}: a wait on the bus's clock, woken by the clock, cut by cancel and close. */
final class SleepTest {

    private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

    record Nap(long minutes) implements Command<String> {}

    @Test
    void aSleepEndsWhenTheBusClockReachesIt_notBefore() throws Exception {
        var clock = new ManualClock(T0);
        var asleep = new CompletableFuture<Thread>();
        try (var bus = MessageBus.builder().name("sleepy").clock(clock).start()) {
            bus.registerCommand(Nap.class, (nap, ctx) -> {
                asleep.complete(Thread.currentThread());
                ctx.sleep(Duration.ofMinutes(nap.minutes()));
                return "woke at " + clock.instant();
            });
            var handle = bus.executeAsync(new Nap(10));
            Thread sleeper = asleep.get(5, TimeUnit.SECONDS);
            awaitParked(sleeper);

            clock.advance(Duration.ofMinutes(9));
            awaitParked(sleeper);
            assertFalse(handle.isDone(), "not before its time");
            clock.advance(Duration.ofMinutes(1));

            assertEquals("woke at " + T0.plus(Duration.ofMinutes(10)), handle.await(Duration.ofSeconds(5)).orThrow());
        }
    }

    @Test
    void cancellingASleepingCommand_andClosingTheBus_endItAsCancelled() throws Exception {
        var clock = new ManualClock(T0);
        var asleep = new CompletableFuture<Thread>();
        var bus = MessageBus.builder().name("sleepy-2").clock(clock).closeTimeout(Duration.ofSeconds(5)).start();
        bus.registerCommand(Nap.class, (nap, ctx) -> {
            asleep.complete(Thread.currentThread());
            ctx.sleep(Duration.ofMinutes(nap.minutes()));
            return "woke";
        });
        var cancelled = bus.executeAsync(new Nap(60));
        awaitParked(asleep.get(5, TimeUnit.SECONDS));
        assertTrue(cancelled.cancel("user left"));
        assertEquals(new FailureCause.Cancelled("user left"),
                assertInstanceOf(CommandResult.Failure.class, cancelled.await(Duration.ofSeconds(5))).cause());

        var closing = bus.executeAsync(new Nap(60));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (bus.stats().commands().running() == 0 && System.nanoTime() < deadline) {
            Thread.onSpinWait();
        }
        CloseReport report = bus.close(Duration.ofSeconds(5));
        var failure = assertInstanceOf(CommandResult.Failure.class, closing.await(Duration.ofSeconds(5)));
        assertInstanceOf(FailureCause.Cancelled.class, failure.cause(), "the bus's close woke the sleeper");
        assertTrue(report.drained(), report.toString());
    }

    private static void awaitParked(Thread thread) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (thread.getState() != Thread.State.WAITING && thread.getState() != Thread.State.TIMED_WAITING) {
            assertTrue(System.nanoTime() < deadline, "not parked: " + thread.getState());
            Thread.onSpinWait();
        }
    }
}
