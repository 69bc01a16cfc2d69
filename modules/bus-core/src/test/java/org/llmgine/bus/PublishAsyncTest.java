package org.llmgine.bus;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.llmgine.bus.message.Event;

/**
 * {@code publishAsync}: the future of an event's end, completed when its handlers ran (or it was
 * dropped, handed back or refused), never by the publishing thread waiting.
 */
final class PublishAsyncTest {

    record Job(int n) implements Event {}

    private static final long WAIT_SECONDS = 5;

    @Test
    void theFuture_completesOnlyOnceTheHandlersRan_withTheirCountAndFailures() throws Exception {
        try (var bus = MessageBus.builder().name("async").start(); var session = bus.openSession("s")) {
            var gate = new CountDownLatch(1);
            session.subscribe(Job.class, j -> gate.await(WAIT_SECONDS, TimeUnit.SECONDS));
            session.subscribe(Job.class, j -> {
                throw new IllegalStateException("tool down for job " + j.n());
            });

            CompletableFuture<DeliveryOutcome> future = session.publishAsync(new Job(1), PublishOptions.defaults());
            assertFalse(future.isDone(), "the first handler still runs");
            gate.countDown();

            var delivered = assertInstanceOf(DeliveryOutcome.Delivered.class, future.get(WAIT_SECONDS, TimeUnit.SECONDS));
            assertEquals(2, delivered.handlersInvoked());
            assertEquals(1, delivered.failures().size());
            assertTrue(delivered.failures().get(0).error().getMessage().contains("job 1"));
        }
    }

    @Test
    void underPropagate_aFailedDelivery_completesExceptionally() throws Exception {
        try (var bus = MessageBus.builder().name("async-propagate").errorPolicy(ErrorPolicy.PROPAGATE).start()) {
            bus.subscribe(Job.class, j -> {
                throw new IllegalStateException("boom");
            });
            var future = bus.publishAsync(new Job(1), PublishOptions.defaults());
            var thrown = assertInstanceOf(ExecutionException.class,
                    org.junit.jupiter.api.Assertions.assertThrows(ExecutionException.class,
                            () -> future.get(WAIT_SECONDS, TimeUnit.SECONDS)));
            assertInstanceOf(EventDeliveryException.class, thrown.getCause());
        }
    }

    @Test
    void aRefusedPublish_completesAtOnce_notAccepted() {
        var notStarted = MessageBus.builder().name("async-new").build();
        try {
            var outcome = notStarted.publishAsync(new Job(1), PublishOptions.defaults()).getNow(null);
            var refused = assertInstanceOf(DeliveryOutcome.NotAccepted.class, outcome);
            assertEquals(RejectionReason.BUS_NOT_STARTED,
                    assertInstanceOf(PublishOutcome.Rejected.class, refused.outcome()).reason());
        } finally {
            notStarted.close();
        }
        try (var bus = MessageBus.builder().name("async-closed-session").start()) {
            var session = bus.openSession("gone");
            session.close();
            var outcome = session.publishAsync(new Job(2), PublishOptions.defaults()).getNow(null);
            assertInstanceOf(DeliveryOutcome.NotAccepted.class, outcome);
        }
    }

    @Test
    void fromAHandlerOfTheSameSession_itDoesNotDeadlock_andCompletesAfterThatHandler() throws Exception {
        try (var bus = MessageBus.builder().name("async-self").start(); var session = bus.openSession("s")) {
            var inner = new CompletableFuture<CompletableFuture<DeliveryOutcome>>();
            List<Integer> seen = new CopyOnWriteArrayList<>();
            session.subscribe(Job.class, j -> {
                seen.add(j.n());
                if (j.n() == 1) {
                    inner.complete(session.publishAsync(new Job(2), PublishOptions.defaults()));
                }
            });
            session.publish(new Job(1));
            var outcome = inner.get(WAIT_SECONDS, TimeUnit.SECONDS).get(WAIT_SECONDS, TimeUnit.SECONDS);
            assertTrue(outcome.succeeded(), outcome::toString);
            assertEquals(List.of(1, 2), seen);
        }
    }

    @Test
    void manyInFlightFromOneThread_keepTheSessionsOrder_andEachCompletes() throws Exception {
        try (var bus = MessageBus.builder().name("async-order").queueCapacity(20_000).start();
                var session = bus.openSession("s")) {
            List<Integer> seen = new CopyOnWriteArrayList<>();
            session.subscribe(Job.class, j -> seen.add(j.n()));
            List<CompletableFuture<DeliveryOutcome>> futures = new ArrayList<>();
            for (int i = 0; i < 10_000; i++) {
                futures.add(session.publishAsync(new Job(i), PublishOptions.defaults()));
            }
            CompletableFuture.allOf(futures.toArray(CompletableFuture[]::new)).get(WAIT_SECONDS * 4, TimeUnit.SECONDS);
            assertTrue(futures.stream().allMatch(f -> f.join().succeeded()));
            List<Integer> expected = new ArrayList<>();
            for (int i = 0; i < 10_000; i++) {
                expected.add(i);
            }
            assertEquals(expected, seen);
        }
    }

    @Test
    void anEventEvictedByDropOldest_completesDropped() throws Exception {
        try (var bus = MessageBus.builder().name("async-drop").queueCapacity(2)
                .overflowStrategy(OverflowStrategy.DROP_OLDEST).start(); var session = bus.openSession("s")) {
            var gate = new CountDownLatch(1);
            var running = new CountDownLatch(1);
            session.subscribe(Job.class, j -> {
                if (j.n() == 0) {
                    running.countDown();
                    gate.await(WAIT_SECONDS, TimeUnit.SECONDS);
                }
            });
            session.publish(new Job(0));
            assertTrue(running.await(WAIT_SECONDS, TimeUnit.SECONDS));
            var evicted = session.publishAsync(new Job(1), PublishOptions.defaults());
            assertTrue(session.publish(new Job(2)).isAccepted()); // evicts job 1, not the running job 0
            assertInstanceOf(DeliveryOutcome.Dropped.class, evicted.get(WAIT_SECONDS, TimeUnit.SECONDS));
            gate.countDown();
            assertTrue(bus.awaitIdle(Duration.ofSeconds(WAIT_SECONDS)));
        }
    }

    @Test
    void anEventHandedBackAtClose_completesReturned() throws Exception {
        var bus = MessageBus.builder().name("async-returned").start();
        var started = new CountDownLatch(1);
        var stuck = new CountDownLatch(1);
        bus.subscribe(Job.class, j -> {
            if (j.n() == 0) {
                started.countDown();
                stuck.await(WAIT_SECONDS, TimeUnit.SECONDS);
            }
        });
        bus.publish(new Job(0));
        assertTrue(started.await(WAIT_SECONDS, TimeUnit.SECONDS));
        var queued = bus.publishAsync(new Job(1), PublishOptions.defaults());
        bus.close(Duration.ofMillis(10));
        assertInstanceOf(DeliveryOutcome.Returned.class, queued.get(WAIT_SECONDS, TimeUnit.SECONDS));
        stuck.countDown();
    }
}
