package org.llmgine.bus;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.llmgine.bus.handler.Priority;
import org.llmgine.bus.message.BackpressureChanged;
import org.llmgine.bus.message.Event;
import org.llmgine.bus.message.EventDropped;
import org.llmgine.bus.message.Headers;
import org.llmgine.bus.spi.BusObserver;
import org.llmgine.bus.spi.MessageView;

/**
 * Deterministic queue-management scenarios (the Python bus's backpressure tests, made exact). A bus
 * that is built but not started is a paused dispatcher: events wait in the queue until
 * {@code start()}.
 */
final class QueueManagementTest {

    record Item(String name) implements Event {}

    /** Records what the observer SPI reports about the queue. */
    static final class QueueWatch implements BusObserver {
        final List<String> backpressure = new CopyOnWriteArrayList<>();
        final List<Event> dropped = new CopyOnWriteArrayList<>();
        final List<Long> throttles = new CopyOnWriteArrayList<>();

        @Override
        public void onBackpressureChanged(MessageBus bus, boolean active, int queueSize) {
            backpressure.add((active ? "on@" : "off@") + queueSize);
        }

        @Override
        public void onDropped(MessageView view) {
            dropped.add((Event) view.message());
        }

        @Override
        public void onThrottled(MessageBus bus, long delayNanos) {
            throttles.add(delayNanos);
        }
    }

    private static List<String> names(List<Item> items) {
        return items.stream().map(Item::name).toList();
    }

    @Test
    void normalOperation_deliversInPublishOrder() throws Exception {
        List<Item> seen = new CopyOnWriteArrayList<>();
        try (var bus = MessageBus.builder().name("fifo").build()) {
            bus.subscribe(Item.class, seen::add);
            for (int i = 0; i < 20; i++) {
                bus.publish(new Item("e" + i));
            }
            bus.start();
            assertTrue(bus.awaitIdle(Duration.ofSeconds(5)));
        }
        assertEquals(java.util.stream.IntStream.range(0, 20).mapToObj(i -> "e" + i).toList(), names(seen));
    }

    @Test
    void waterMarks_capacity10_activateAt8_deactivateAt5_oneHit() throws Exception {
        var watch = new QueueWatch();
        List<BackpressureChanged> events = new CopyOnWriteArrayList<>();
        try (var bus = MessageBus.builder().name("marks").queueCapacity(10).waterMarks(0.8, 0.5)
                .addObserver(watch).build()) {
            bus.subscribe(BackpressureChanged.class, events::add);
            bus.subscribe(Item.class, i -> { });
            for (int i = 0; i < 7; i++) {
                bus.publish(new Item("e" + i));
            }
            assertFalse(bus.stats().queue().backpressureActive(), "7 of 10 is below the high mark");
            bus.publish(new Item("e7"));
            assertTrue(bus.stats().queue().backpressureActive());
            assertEquals(1, bus.stats().queue().highWaterHits());

            bus.start();
            assertTrue(bus.awaitIdle(Duration.ofSeconds(5)));

            assertFalse(bus.stats().queue().backpressureActive());
            assertEquals(1, bus.stats().queue().highWaterHits());
            assertEquals(9, bus.stats().queue().largestSize(), "8 events and the BackpressureChanged notice");
            assertEquals(List.of("on@8", "off@5"), watch.backpressure);
            assertEquals(List.of(new BackpressureChanged(true, 8, 10), new BackpressureChanged(false, 5, 10)), events);
        }
    }

    @Test
    void waterMarks_haveHysteresis_noFlappingBetweenTheMarks() throws Exception {
        var watch = new QueueWatch();
        try (var bus = MessageBus.builder().name("hysteresis").queueCapacity(10).waterMarks(0.8, 0.5)
                .addObserver(watch).build()) {
            var gate = new java.util.concurrent.CountDownLatch(1);
            bus.subscribe(Item.class, i -> gate.await());
            for (int i = 0; i < 8; i++) {
                bus.publish(new Item("e" + i)); // reaches the high mark
            }
            bus.start();
            gate.countDown();
            assertTrue(bus.awaitIdle(Duration.ofSeconds(5)));
            for (int i = 0; i < 7; i++) {
                bus.publish(new Item("again" + i)); // between the marks at most: no new crossing
            }
            assertTrue(bus.awaitIdle(Duration.ofSeconds(5)));
        }
        assertEquals(List.of("on@8", "off@5"), watch.backpressure);
    }

    @Test
    void dropOldest_capacity5_after8Publishes_deliversTheNewest5_andCounts3Dropped() throws Exception {
        var watch = new QueueWatch();
        List<Item> seen = new CopyOnWriteArrayList<>();
        List<EventDropped> dropNotices = new CopyOnWriteArrayList<>();
        try (var bus = MessageBus.builder().name("drop").queueCapacity(5)
                .overflowStrategy(OverflowStrategy.DROP_OLDEST).addObserver(watch).build()) {
            bus.subscribe(Item.class, seen::add);
            bus.subscribe(EventDropped.class, dropNotices::add);
            List<PublishOutcome> outcomes = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                outcomes.add(bus.publish(new Item("old_" + i)));
            }
            for (int i = 0; i < 3; i++) {
                outcomes.add(bus.publish(new Item("new_" + i)));
            }

            assertTrue(outcomes.stream().allMatch(PublishOutcome::isAccepted), "DROP_OLDEST accepts the new event");
            assertEquals(3, bus.stats().events().dropped());
            assertEquals(5 + 3, bus.stats().queue().size(), "5 events plus 3 drop notices in the lifecycle reserve");
            bus.start();
            assertTrue(bus.awaitIdle(Duration.ofSeconds(5)));

            assertEquals(List.of("old_3", "old_4", "new_0", "new_1", "new_2"), names(seen));
            assertEquals(List.of(new Item("old_0"), new Item("old_1"), new Item("old_2")), watch.dropped);
            assertEquals(List.of("old_0", "old_1", "old_2"),
                    dropNotices.stream().map(d -> ((Item) d.event()).name()).toList());
            BusStats stats = bus.stats();
            assertEquals(3, stats.events().dropped());
            assertEquals(stats.events().accepted(), stats.events().delivered() + stats.events().dropped());
        }
    }

    @Test
    void dropOldest_neverEvictsAStartedEvent_andTellsTheWaiterOfAnEvictedOne() throws Exception {
        try (var bus = MessageBus.builder().name("drop-wait").queueCapacity(2)
                .overflowStrategy(OverflowStrategy.DROP_OLDEST).start(); var session = bus.openSession("s")) {
            var gate = new java.util.concurrent.CountDownLatch(1);
            var running = new java.util.concurrent.CountDownLatch(1);
            List<String> seen = new CopyOnWriteArrayList<>();
            session.subscribe(Item.class, i -> {
                seen.add(i.name());
                if (i.name().equals("running")) {
                    running.countDown();
                    gate.await();
                }
            });
            session.publish(new Item("running"));
            assertTrue(running.await(5, TimeUnit.SECONDS));
            var waiter = new CompletableFuture<Object>();
            Thread.ofVirtual().start(() -> {
                try {
                    waiter.complete(session.publishAndWait(new Item("waiting")));
                } catch (Exception e) {
                    waiter.complete(e);
                }
            });
            while (bus.stats().queue().size() < 2) {
                Thread.onSpinWait();
            }

            assertTrue(session.publish(new Item("newcomer")).isAccepted()); // evicts "waiting", not "running"

            assertInstanceOf(DeliveryOutcome.Dropped.class, waiter.get(5, TimeUnit.SECONDS));
            gate.countDown();
            assertTrue(bus.awaitIdle(Duration.ofSeconds(5)));
            assertEquals(List.of("running", "newcomer"), seen);
            assertEquals(1, bus.stats().events().dropped());
        }
    }

    @Test
    void rejectNew_capacity5_rejects3Of8() throws Exception {
        try (var bus = MessageBus.builder().name("reject").queueCapacity(5)
                .overflowStrategy(OverflowStrategy.REJECT_NEW).build()) {
            bus.subscribe(Item.class, i -> { });
            long rejected = 0;
            for (int i = 0; i < 8; i++) {
                if (!bus.publish(new Item("e" + i)).isAccepted()) {
                    rejected++;
                }
            }
            assertEquals(3, rejected);
            assertEquals(3, bus.stats().events().rejected());
            bus.start();
            assertTrue(bus.awaitIdle(Duration.ofSeconds(5)));
            assertEquals(5, bus.stats().events().delivered());
        }
    }

    @Test
    void adaptive_slowsProducersProgressivelyNearTheHighMark_rejectsOnlyWhenFull_andRecoversAfterDraining()
            throws Exception {
        var watch = new QueueWatch();
        try (var bus = MessageBus.builder().name("adaptive").queueCapacity(10).waterMarks(0.8, 0.5)
                .overflowStrategy(OverflowStrategy.ADAPTIVE).adaptiveMaxDelay(Duration.ofNanos(300_000))
                .addObserver(watch).build()) {
            bus.subscribe(Item.class, i -> { });
            List<PublishOutcome> outcomes = new ArrayList<>();
            for (int i = 0; i < 11; i++) {
                outcomes.add(bus.publish(new Item("e" + i)));
            }

            // sizes before each publish: 0..10; paused when size > 5 (low mark), fully at >= 8 (high mark)
            assertEquals(List.of(100_000L, 200_000L, 300_000L, 300_000L, 300_000L), watch.throttles);
            assertEquals(10, outcomes.stream().filter(PublishOutcome::isAccepted).count());
            var rejected = assertInstanceOf(PublishOutcome.Rejected.class, outcomes.get(10));
            assertEquals(RejectionReason.QUEUE_FULL, rejected.reason());
            assertEquals(5, bus.stats().queue().throttled());

            bus.start();
            assertTrue(bus.awaitIdle(Duration.ofSeconds(5)));
            watch.throttles.clear();
            for (int i = 0; i < 5; i++) {
                bus.publish(new Item("after" + i));
                assertTrue(bus.awaitIdle(Duration.ofSeconds(5)));
            }
            assertEquals(List.of(), watch.throttles, "drained: no more slowdown");
        }
    }

    @Test
    void priorities_moreUrgentEventsGoFirst_fifoWithinAPriority() throws Exception {
        List<Item> seen = new CopyOnWriteArrayList<>();
        try (var bus = MessageBus.builder().name("priorities").build()) {
            bus.subscribe(Item.class, seen::add);
            bus.publish(new Item("low-1"), PublishOptions.defaults().withPriority(Priority.LOW));
            bus.publish(new Item("normal-1"));
            bus.publish(new Item("high-1"), PublishOptions.defaults().withPriority(Priority.HIGH));
            bus.publish(new Item("low-2"), PublishOptions.defaults().withPriority(Priority.LOW));
            bus.publish(new Item("highest-1"), PublishOptions.defaults().withPriority(Priority.HIGHEST));
            bus.publish(new Item("high-2"), PublishOptions.defaults().withPriority(Priority.HIGH + 5));
            bus.start();
            assertTrue(bus.awaitIdle(Duration.ofSeconds(5)));
        }
        assertEquals(List.of("highest-1", "high-1", "high-2", "normal-1", "low-1", "low-2"), names(seen));
    }

    @Test
    void priorities_starvationGuard_letsTheOldestGoAfterTheLimit() throws Exception {
        List<Item> seen = new CopyOnWriteArrayList<>();
        try (var bus = MessageBus.builder().name("starvation").starvationLimit(2).build()) {
            bus.subscribe(Item.class, seen::add);
            bus.publish(new Item("low"), PublishOptions.defaults().withPriority(Priority.LOWEST));
            for (int i = 1; i <= 5; i++) {
                bus.publish(new Item("high-" + i), PublishOptions.defaults().withPriority(Priority.HIGHEST));
            }
            bus.start();
            assertTrue(bus.awaitIdle(Duration.ofSeconds(5)));
        }
        assertEquals(List.of("high-1", "high-2", "low", "high-3", "high-4", "high-5"), names(seen));
    }

    @Test
    void priorities_withinASession_anUrgentEventOvertakesWaitingOnes_butNeverARunningOne() throws Exception {
        List<String> seen = new CopyOnWriteArrayList<>();
        var first = new java.util.concurrent.CountDownLatch(1);
        try (var bus = MessageBus.builder().name("session-priorities").start(); var session = bus.openSession("chat")) {
            session.subscribe(Item.class, i -> {
                seen.add(i.name());
                if (i.name().equals("token-0")) {
                    first.await();
                }
            });
            session.publish(new Item("token-0"));
            while (seen.isEmpty()) {
                Thread.onSpinWait();
            }
            for (int i = 1; i <= 3; i++) {
                session.publish(new Item("token-" + i));
            }
            session.publish(new Item("cancel"), PublishOptions.defaults().withPriority(Priority.HIGHEST));
            while (bus.stats().queue().size() < 5) {
                Thread.onSpinWait();
            }
            first.countDown();
            assertTrue(session.awaitIdle(Duration.ofSeconds(5)));
        }
        assertEquals(List.of("token-0", "cancel", "token-1", "token-2", "token-3"), seen);
    }

    @Test
    void invalidWaterMarks_areRejected() {
        var error = assertThrows(IllegalArgumentException.class, () -> MessageBus.builder().waterMarks(1.2, 0.5));
        assertTrue(error.getMessage().contains("1.2"), error.getMessage());
        assertThrows(IllegalArgumentException.class, () -> MessageBus.builder().waterMarks(0.5, 0.0));
    }
}
