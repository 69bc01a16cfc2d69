package org.llmgine.bus.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.llmgine.bus.ManualClock;
import org.llmgine.bus.MessageBus;
import org.llmgine.bus.OverflowStrategy;
import org.llmgine.bus.PendingApproval;
import org.llmgine.bus.message.ApprovalCommand;
import org.llmgine.bus.message.Event;
import org.llmgine.bus.spi.BusObserver;
import org.llmgine.bus.spi.MessageView;

/** White-box checks of queue and timer bookkeeping that the public API cannot observe directly. */
final class QueueInternalsTest {

    record Job(int n) implements Event {}

    record Risky() implements ApprovalCommand<String> {
        @Override
        public String approver() {
            return "ops";
        }
    }

    @Test
    void dropOldest_removesEvictedEventsWhereTheyWait_soDeadEntriesDoNotPileUp() throws Exception {
        try (var bus = (DefaultMessageBus) MessageBus.builder().name("no-pile-up").queueCapacity(10)
                .overflowStrategy(OverflowStrategy.DROP_OLDEST).start()) {
            var gate = new CountDownLatch(1);
            var running = new CountDownLatch(1);
            var session = (SessionImpl) bus.openSession("hot");
            session.subscribe(Job.class, j -> {
                running.countDown();
                gate.await();
            });
            session.publish(new Job(0));
            assertTrue(running.await(5, TimeUnit.SECONDS));
            for (int i = 1; i <= 10_000; i++) {
                session.publish(new Job(i));
            }
            // every publish beyond the capacity evicted the oldest waiting job of this lane
            while (bus.stats().queue().size() != 10) {
                Thread.onSpinWait();
            }
            assertTrue(session.lane().waitingCount() <= 10, "mailbox holds " + session.lane().waitingCount());
            gate.countDown();
            assertTrue(bus.awaitIdle(Duration.ofSeconds(5)));
            assertEquals(10_000 - 9, bus.stats().events().dropped());
        }
    }

    @Test
    void anApprovalDecidedBeforeItsExpiryIsScheduled_leavesNoTimerTaskBehind() throws Exception {
        var clock = new ManualClock(Instant.parse("2026-01-01T00:00:00Z"));
        var busRef = new CompletableFuture<MessageBus>();
        BusObserver approvesAtOnce = new BusObserver() {
            @Override
            public void onApprovalRequested(MessageBus bus, PendingApproval approval) {
                busRef.join().approve(approval.commandId());
            }
        };
        try (var bus = (DefaultMessageBus) MessageBus.builder().name("early-decision").clock(clock)
                .addObserver(approvesAtOnce).start()) {
            busRef.complete(bus);
            bus.registerCommand(Risky.class, (cmd, ctx) -> "done");

            assertEquals("done", bus.execute(new Risky()).orThrow());

            assertEquals(0, bus.schedules().timer().scheduledCount(), "an orphan expiry task stayed in the timer");
        }
    }

    @Test
    void closingABusAboveTheHighMark_turnsBackpressureOff() {
        var bus = MessageBus.builder().name("marks-at-close").queueCapacity(10).build();
        bus.subscribe(Job.class, j -> { });
        for (int i = 0; i < 9; i++) {
            bus.publish(new Job(i));
        }
        assertTrue(bus.stats().queue().backpressureActive());

        bus.close(Duration.ofMillis(10));

        assertFalse(bus.stats().queue().backpressureActive());
        assertEquals(0, bus.stats().queue().size());
    }

    @Test
    void aSessionsIdleWaitWaitsOnItsOwnLane_soOtherLanesGoingIdleNeverWakeIt() throws Exception {
        try (var bus = (DefaultMessageBus) MessageBus.builder().name("idle-per-lane").start()) {
            var gate = new CountDownLatch(1);
            var running = new CountDownLatch(1);
            var stuck = (SessionImpl) bus.openSession("stuck");
            var busy = (SessionImpl) bus.openSession("busy");
            stuck.subscribe(Job.class, j -> {
                running.countDown();
                gate.await();
            });
            busy.subscribe(Job.class, j -> { });
            stuck.publish(new Job(0));
            assertTrue(running.await(5, TimeUnit.SECONDS));
            var waiter = Thread.ofVirtual().start(() -> {
                try {
                    stuck.awaitIdle(Duration.ofSeconds(30));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            try {
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
                while (stuck.lane().idleWaiters() == 0 && System.nanoTime() < deadline) {
                    Thread.onSpinWait();
                }
                assertEquals(1, stuck.lane().idleWaiters(), "the session waits on its own lane");
                assertFalse(bus.quiescence().hasWaiters(), "a session's wait must not register with the bus");
                for (int i = 0; i < 1_000; i++) {
                    busy.publish(new Job(i)); // its lane goes idle again and again
                }
                assertTrue(busy.awaitIdle(Duration.ofSeconds(5)));
                assertEquals(0, busy.lane().idleWaiters());
                assertTrue(waiter.isAlive(), "the stuck session's waiter returned before its lane was idle");
            } finally {
                gate.countDown();
            }
            waiter.join(5_000);
            assertFalse(waiter.isAlive());
        }
    }
}
