package org.llmgine.bus;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.llmgine.bus.message.Event;

/**
 * The queue's capacity counts accepted, unfinished events. A handler blocked on a latch holds the
 * dispatcher's work in place, so the tests control exactly how full the queue is.
 */
final class BackpressureTest {

    record Job(int n) implements Event {}

    /** Blocks every Job handler until released, and reports when the first one started. */
    private static final class Gate {
        final CountDownLatch started = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);

        void pass(Job job) throws InterruptedException {
            started.countDown();
            release.await();
        }
    }

    /** A BLOCK bus of capacity 1 whose only slot is held by a gated event that is being handled. */
    private static MessageBus fullBlockingBus(Gate gate, Duration publishTimeout) throws InterruptedException {
        var bus = MessageBus.builder().name("block").queueCapacity(1).publishTimeout(publishTimeout).start();
        bus.subscribe(Job.class, gate::pass);
        bus.publish(new Job(0));
        assertTrue(gate.started.await(5, TimeUnit.SECONDS));
        return bus;
    }

    /** Spins until {@code publisher} parks waiting for room (no sleeping). */
    private static void awaitParked(Thread publisher) {
        while (publisher.getState() != Thread.State.TIMED_WAITING) {
            Thread.onSpinWait();
        }
    }

    @Test
    void rejectNew_withCapacity5_rejects3Of8_andReportsWhy() throws Exception {
        var gate = new Gate();
        try (var bus = MessageBus.builder().name("reject").queueCapacity(5)
                .overflowStrategy(OverflowStrategy.REJECT_NEW).start()) {
            bus.subscribe(Job.class, gate::pass);
            List<PublishOutcome> outcomes = new ArrayList<>();
            outcomes.add(bus.publish(new Job(0)));
            assertTrue(gate.started.await(5, TimeUnit.SECONDS));
            for (int i = 1; i < 8; i++) {
                outcomes.add(bus.publish(new Job(i)));
            }

            assertEquals(5, outcomes.stream().filter(PublishOutcome::isAccepted).count());
            var rejected = assertInstanceOf(PublishOutcome.Rejected.class, outcomes.get(7));
            assertEquals(RejectionReason.QUEUE_FULL, rejected.reason());
            assertTrue(rejected.detail().contains("capacity 5"), rejected.detail());
            assertTrue(rejected.detail().contains("'reject'"), rejected.detail());
            assertEquals(5, bus.stats().queue().size());
            assertEquals(3, bus.stats().events().rejected());

            gate.release.countDown();
            assertTrue(bus.awaitIdle(Duration.ofSeconds(5)));
            BusStats stats = bus.stats();
            assertEquals(8, stats.events().published());
            assertEquals(5, stats.events().accepted());
            assertEquals(5, stats.events().delivered());
            assertEquals(0, stats.queue().size());
        }
    }

    @Test
    void block_whenFullForTheWholeTimeout_rejectsWithTimedOut() throws Exception {
        var gate = new Gate();
        try (var bus = fullBlockingBus(gate, Duration.ofMillis(20))) {
            var rejected = assertInstanceOf(PublishOutcome.Rejected.class, bus.publish(new Job(1)));

            assertEquals(RejectionReason.TIMED_OUT, rejected.reason());
            gate.release.countDown();
        }
    }

    @Test
    void block_acceptsOnceASlotFrees() throws Exception {
        var gate = new Gate();
        try (var bus = fullBlockingBus(gate, Duration.ofSeconds(30))) {
            var blocked = new CompletableFuture<PublishOutcome>();
            Thread publisher = Thread.ofVirtual().start(() -> blocked.complete(bus.publish(new Job(1))));
            awaitParked(publisher);
            assertEquals(false, blocked.isDone(), "the publisher must wait while the queue is full");
            gate.release.countDown();

            assertInstanceOf(PublishOutcome.Accepted.class, blocked.get(5, TimeUnit.SECONDS));
            assertTrue(bus.awaitIdle(Duration.ofSeconds(5)));
            assertEquals(2, bus.stats().events().delivered());
        }
    }

    @Test
    void block_whenThePublisherIsInterrupted_rejectsAndKeepsTheFlag() throws Exception {
        var gate = new Gate();
        try (var bus = fullBlockingBus(gate, Duration.ofSeconds(30))) {
            var outcome = new CompletableFuture<PublishOutcome>();
            var flag = new CompletableFuture<Boolean>();
            Thread publisher = Thread.ofVirtual().start(() -> {
                outcome.complete(bus.publish(new Job(1)));
                flag.complete(Thread.currentThread().isInterrupted());
            });
            awaitParked(publisher);
            publisher.interrupt();

            var rejected = assertInstanceOf(PublishOutcome.Rejected.class, outcome.get(5, TimeUnit.SECONDS));
            assertEquals(RejectionReason.INTERRUPTED, rejected.reason());
            assertTrue(flag.get(5, TimeUnit.SECONDS));
            gate.release.countDown();
        }
    }

    @Test
    void capacity_countsEventsBeingHandled_notOnlyQueuedOnes() throws Exception {
        var gate = new Gate();
        try (var bus = MessageBus.builder().name("inflight").queueCapacity(2)
                .overflowStrategy(OverflowStrategy.REJECT_NEW).start()) {
            bus.subscribe(Job.class, gate::pass);
            try (var a = bus.openSession("a"); var b = bus.openSession("b"); var c = bus.openSession("c")) {
                assertTrue(a.publish(new Job(1)).isAccepted());
                assertTrue(b.publish(new Job(2)).isAccepted());
                // both are being handled (in different lanes) and hold their slots
                assertInstanceOf(PublishOutcome.Rejected.class, c.publish(new Job(3)));
                gate.release.countDown();
            }
        }
    }

    @Test
    void eventsPublishedBeforeStart_waitInTheQueueAndAreDeliveredAfterStart() throws Exception {
        try (var bus = MessageBus.builder().name("prestart").queueCapacity(3)
                .overflowStrategy(OverflowStrategy.REJECT_NEW).build()) {
            var seen = new java.util.concurrent.atomic.AtomicInteger();
            bus.subscribe(Job.class, j -> seen.incrementAndGet());
            for (int i = 0; i < 4; i++) {
                bus.publish(new Job(i));
            }
            assertEquals(BusState.NEW, bus.state());
            assertEquals(3, bus.stats().queue().size(), "the pre-start buffer is the bounded queue");
            assertEquals(1, bus.stats().events().rejected());

            bus.start();
            assertTrue(bus.awaitIdle(Duration.ofSeconds(5)));
            assertEquals(3, seen.get());
        }
    }

    @Test
    void block_aHandlerPublishingIntoAFullQueue_isRejectedAtOnce_sinceItHoldsASlotItself() throws Exception {
        var outcome = new CompletableFuture<PublishOutcome>();
        try (var bus = MessageBus.builder().name("hold-and-wait").queueCapacity(1)
                .publishTimeout(Duration.ofSeconds(30)).start()) {
            bus.registerEventHandler(Job.class, (job, ctx) -> {
                if (job.n() == 0) {
                    outcome.complete(ctx.publish(new Job(1))); // the queue is full with this very event
                }
            });
            bus.publish(new Job(0));

            var rejected = assertInstanceOf(PublishOutcome.Rejected.class, outcome.get(5, TimeUnit.SECONDS));
            assertEquals(RejectionReason.QUEUE_FULL, rejected.reason());
        }
    }

    @Test
    void block_aPublisherWaitingForRoomInASession_isToldWhenTheSessionBeginsClosing() throws Exception {
        var gate = new Gate();
        try (var bus = MessageBus.builder().name("closing-session").queueCapacity(1)
                .publishTimeout(Duration.ofSeconds(30)).start()) {
            Session session = bus.openSession("s");
            session.subscribe(Job.class, gate::pass);
            session.publish(new Job(0));
            assertTrue(gate.started.await(5, TimeUnit.SECONDS));
            var outcome = new CompletableFuture<PublishOutcome>();
            Thread publisher = Thread.ofVirtual().start(() -> outcome.complete(session.publish(new Job(1))));
            awaitParked(publisher);

            Thread closer = Thread.ofVirtual().start(session::close); // waits for Job 0, which holds the gate

            var rejected = assertInstanceOf(PublishOutcome.Rejected.class, outcome.get(5, TimeUnit.SECONDS));
            assertEquals(RejectionReason.SESSION_CLOSED, rejected.reason());
            assertTrue(rejected.detail().contains("'s'"), rejected.detail());
            gate.release.countDown();
            closer.join(Duration.ofSeconds(5));
            assertEquals(1, bus.stats().events().rejected());
        }
    }
}
