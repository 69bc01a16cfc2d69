package org.llmgine.bus;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.llmgine.bus.handler.HandlerInfo;
import org.llmgine.bus.handler.HandlerOptions;
import org.llmgine.bus.message.Event;
import org.llmgine.bus.message.EventDropped;
import org.llmgine.bus.message.HandlerFailed;
import org.llmgine.bus.spi.BusObserver;
import org.llmgine.bus.spi.MessageView;

/**
 * The dispatch promises made exact: a slot is freed when its own event finishes, nothing a
 * callback throws can wedge a lane, DROP_OLDEST never evicts the bus's own notices nor holds more
 * user events than the capacity, and observers hear of a delivery before anyone waiting for it.
 */
final class DispatchCorrectnessTest {

    record Job(int n) implements Event {}

    @Test
    void aFinishedEventFreesItsSlot_whileALaterEventOfTheSameBatchStillRuns() throws Exception {
        try (var bus = MessageBus.builder().name("exact-slots").queueCapacity(2)
                .overflowStrategy(OverflowStrategy.REJECT_NEW).build()) {
            var running = new CountDownLatch(1);
            var gate = new CountDownLatch(1);
            bus.subscribe(Job.class, job -> {
                if (job.n() == 1) {
                    running.countDown();
                    gate.await();
                }
            });
            bus.publish(new Job(0));
            bus.publish(new Job(1)); // both wait before start, so the lane takes them as one batch
            bus.start();
            try {
                assertTrue(running.await(5, TimeUnit.SECONDS));
                assertEquals(1, bus.stats().queue().size(), "job 0 finished; only job 1 holds a slot");
                assertInstanceOf(PublishOutcome.Accepted.class, bus.publish(new Job(2)),
                        "the queue holds one unfinished event of capacity 2");
            } finally {
                gate.countDown();
            }
            assertTrue(bus.awaitIdle(Duration.ofSeconds(5)));
            assertEquals(3, bus.stats().events().delivered());
        }
    }

    @Test
    void everyHandlerSeesTheExactNumberOfUnfinishedEvents_atItsOwnStart() throws Exception {
        int events = 20;
        try (var bus = MessageBus.builder().name("exact-size").queueCapacity(100).build()) {
            var sizes = new CopyOnWriteArrayList<Integer>();
            bus.subscribe(Job.class, job -> sizes.add(bus.stats().queue().size()));
            for (int i = 0; i < events; i++) {
                bus.publish(new Job(i));
            }
            bus.start();
            assertTrue(bus.awaitIdle(Duration.ofSeconds(5)));

            var expected = new ArrayList<Integer>();
            for (int i = 0; i < events; i++) {
                expected.add(events - i); // itself and every event behind it
            }
            assertEquals(expected, sizes);
        }
    }

    @Test
    void aSlowEventInOneSession_neverKeepsTheSlotsOfFinishedOnes_fromAnotherSessionsPublisher() throws Exception {
        try (var bus = MessageBus.builder().name("exact-slots-block").queueCapacity(3)
                .publishTimeout(Duration.ofSeconds(30)).start()) {
            var running = new CountDownLatch(1);
            var gate = new CountDownLatch(1);
            var slow = bus.openSession("slow");
            var other = bus.openSession("other");
            slow.subscribe(Job.class, job -> {
                if (job.n() == 0) {
                    running.countDown();
                    gate.await();
                }
            });
            slow.publish(new Job(0));
            try {
                assertTrue(running.await(5, TimeUnit.SECONDS));
                var done = new AtomicInteger();
                other.subscribe(Job.class, job -> done.incrementAndGet());
                // 1 slot is held by the slow event; the other session cycles 200 events through the 2 left
                for (int i = 0; i < 200; i++) {
                    assertInstanceOf(PublishOutcome.Accepted.class, other.publish(new Job(i)));
                }
                assertTrue(other.awaitIdle(Duration.ofSeconds(10)));
                assertEquals(200, done.get());
                assertEquals(1, bus.stats().queue().size());
            } finally {
                gate.countDown();
            }
        }
    }

    @Test
    void observersThrowingVirtualMachineErrors_neverWedgeTheLane() throws Exception {
        var delivered = new AtomicInteger();
        BusObserver hostile = new BusObserver() {
            @Override
            public void onDispatched(MessageView type, long lagNanos) {
                throw new OutOfMemoryError("injected by the test");
            }

            @Override
            public void onHandlerCompleted(MessageView type, HandlerInfo handler, long nanos,
                    @Nullable Throwable failure) {
                throw new StackOverflowError("injected by the test");
            }

            @Override
            public void onDelivered(MessageView type, int invoked, long processingNanos, long endToEndNanos, int queueSize) {
                delivered.incrementAndGet();
                throw new StackOverflowError("injected by the test");
            }
        };
        try (var bus = MessageBus.builder().name("hostile-observer").addObserver(hostile).start()) {
            var seen = new AtomicInteger();
            bus.subscribe(Job.class, job -> seen.incrementAndGet());
            var session = bus.openSession("s");
            for (int i = 0; i < 100; i++) {
                bus.publish(new Job(i));
                session.publish(new Job(i));
            }

            assertTrue(bus.awaitIdle(Duration.ofSeconds(10)), "a lane was wedged: " + bus.stats());
            assertEquals(200, seen.get());
            assertEquals(200, delivered.get());
            BusStats stats = bus.stats();
            assertEquals(0, stats.queue().size());
            assertEquals(stats.events().accepted(), stats.events().delivered());
            assertTrue(session.publishAndWait(new Job(100), Duration.ofSeconds(5)).succeeded());
        }
    }

    @Test
    void aHandlerThrowingAnError_endsItsEventAsDelivered_andTheLaneGoesOn() throws Exception {
        try (var bus = MessageBus.builder().name("handler-error").start()) {
            var seen = new AtomicInteger();
            bus.subscribe(Job.class, job -> {
                seen.incrementAndGet();
                if (job.n() % 3 == 0) {
                    throw new StackOverflowError("injected by the test");
                }
            });
            for (int i = 0; i < 30; i++) {
                bus.publish(new Job(i));
            }
            assertTrue(bus.awaitIdle(Duration.ofSeconds(10)));
            BusStats stats = bus.stats();
            assertEquals(30, seen.get());
            assertEquals(30, stats.events().delivered());
            assertEquals(10, stats.events().handlerFailures());
            assertEquals(0, stats.queue().size());
        }
    }

    @Test
    void dropOldest_neverEvictsLifecycleEvents_norReportsADropOfADropNotice() throws Exception {
        try (var bus = MessageBus.builder().name("drop-notices").queueCapacity(2)
                .overflowStrategy(OverflowStrategy.DROP_OLDEST).build()) {
            var notices = new CopyOnWriteArrayList<EventDropped>();
            var jobs = new CopyOnWriteArrayList<Integer>();
            bus.subscribe(EventDropped.class, notices::add);
            bus.subscribe(Job.class, job -> jobs.add(job.n()));
            for (int i = 0; i < 10; i++) {
                assertInstanceOf(PublishOutcome.Accepted.class, bus.publish(new Job(i)));
            }
            bus.start();
            assertTrue(bus.awaitIdle(Duration.ofSeconds(5)));

            assertEquals(List.of(8, 9), jobs, "the two newest jobs stay, the capacity is 2");
            assertEquals(8, bus.stats().events().dropped());
            assertEquals(8, notices.size());
            for (EventDropped notice : notices) {
                assertInstanceOf(Job.class, notice.event(), "a notice about a notice: " + notice);
            }
        }
    }

    @Test
    void dropOldest_neverHoldsMoreUnfinishedUserEventsThanTheCapacity_evenWithNoticesQueued() throws Exception {
        int capacity = 5;
        try (var bus = MessageBus.builder().name("drop-bound").queueCapacity(capacity)
                .overflowStrategy(OverflowStrategy.DROP_OLDEST).build()) {
            var jobs = new AtomicInteger();
            var failures = new AtomicInteger();
            bus.subscribe(Job.class, job -> {
                jobs.incrementAndGet();
                if (job.n() % 2 == 0) {
                    throw new IllegalStateException("failing on purpose");
                }
            });
            bus.subscribe(EventDropped.class, e -> { });
            bus.subscribe(HandlerFailed.class, e -> failures.incrementAndGet());
            var sessions = List.of(bus.openSession("a"), bus.openSession("b"), bus.openSession("c"));
            for (int i = 0; i < 300; i++) {
                sessions.get(i % 3).publish(new Job(i));
            }
            bus.start();
            assertTrue(bus.awaitIdle(Duration.ofSeconds(10)));

            assertEquals(capacity, jobs.get(), "a bus not yet started delivers at most its capacity of user events");
            BusStats stats = bus.stats();
            assertEquals(300 - capacity, stats.events().dropped());
            assertEquals(0, stats.queue().size());
        }
    }

    @Test
    void observersHearOfEachDelivery_beforeItsPublishAndWaitReturns() throws Exception {
        var delivered = new AtomicInteger();
        var handled = new AtomicInteger();
        BusObserver counting = new BusObserver() {
            @Override
            public void onHandlerCompleted(MessageView type, HandlerInfo handler, long nanos,
                    @Nullable Throwable failure) {
                handled.incrementAndGet();
            }

            @Override
            public void onDelivered(MessageView type, int invoked, long processingNanos, long endToEndNanos, int queueSize) {
                delivered.incrementAndGet();
            }
        };
        try (var bus = MessageBus.builder().name("observed-before-waiter").addObserver(counting).start()) {
            bus.subscribe(Job.class, job -> { });
            bus.subscribe(Job.class, HandlerOptions.named("second"), job -> { });
            var late = new ArrayList<Integer>();
            for (int i = 0; i < 300; i++) {
                bus.publishAndWait(new Job(i), Duration.ofSeconds(5));
                if (delivered.get() != i + 1 || handled.get() != 2 * (i + 1)) {
                    late.add(i);
                }
            }
            assertEquals(List.of(), late, "observers heard of these deliveries after publishAndWait returned");

            for (int i = 0; i < 300; i++) {
                bus.publish(new Job(i));
            }
            assertTrue(bus.awaitIdle(Duration.ofSeconds(5)));
            assertEquals(600, delivered.get(), "awaitIdle returned before the observers heard of every delivery");
            assertEquals(1200, handled.get());
        }
    }

    @Test
    void largestQueueSize_isTheTrueLargest_evenWhenPublishersReadAStaleFinishedCount() throws Exception {
        // Without observers, publishers estimate the size from a cached count of finished events;
        // an estimate equal to the largest size seen must be re-read, not recorded one higher.
        try (var bus = MessageBus.builder().name("largest").queueCapacity(1000).start()) {
            bus.subscribe(Job.class, job -> { });
            for (int i = 0; i < 200; i++) {
                bus.publishAndWait(new Job(i), Duration.ofSeconds(5));
            }
            BusStats stats = bus.stats();
            assertEquals(200, stats.events().delivered());
            assertEquals(1, stats.queue().largestSize(), "each event was published after the one before finished");
        }
    }

    record Step(int n, byte[] payload) implements Event {}

    @Test
    void aLaneThatNeverGoesIdle_keepsNoHandledEventAlive_norDoesAKeptContext() throws Exception {
        // An agent loop: each step's handler publishes the next step into its own session, so the
        // lane streams one event per batch and never goes idle. Neither the lane nor the context a
        // handler kept from the first step may keep the handled steps (and their payloads) alive.
        int steps = 2_000;
        var refs = new java.util.concurrent.ConcurrentLinkedQueue<java.lang.ref.WeakReference<Step>>();
        var kept = new java.util.concurrent.atomic.AtomicReference<org.llmgine.bus.handler.EventContext>();
        var reachableAtLastStep = new AtomicInteger(-1);
        try (var bus = MessageBus.builder().name("streaming-lane").start(); var session = bus.openSession("agent")) {
            session.registerEventHandler(Step.class, (step, ctx) -> {
                kept.compareAndSet(null, ctx);
                if (step.n() < steps) {
                    Step next = new Step(step.n() + 1, new byte[1024]);
                    refs.add(new java.lang.ref.WeakReference<>(next));
                    ctx.publish(next);
                } else {
                    reachableAtLastStep.set(reachable(refs, 8));
                }
            });
            session.publish(new Step(0, new byte[1024]));
            assertTrue(session.awaitIdle(Duration.ofSeconds(30)), "the loop did not finish");
            assertEquals(steps + 1, bus.stats().events().delivered());
            // The current step and the few before it may still be referenced (the head, the batch).
            assertTrue(reachableAtLastStep.get() >= 0 && reachableAtLastStep.get() <= 8,
                    "handled steps still reachable while the lane streamed: " + reachableAtLastStep.get());
            assertTrue(reachable(refs, 0) <= 2, "handled steps reachable from a kept context after the loop: "
                    + reachable(refs, 0));
            assertTrue(kept.get() != null);
        }
    }

    /** Collects garbage until at most {@code allowed} of the referents are alive or a deadline passes; returns the count. */
    private static int reachable(java.util.Collection<java.lang.ref.WeakReference<Step>> refs, int allowed) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        int alive;
        do {
            System.gc();
            alive = (int) refs.stream().filter(r -> r.get() != null).count();
        } while (alive > allowed && System.nanoTime() < deadline);
        return alive;
    }
}
