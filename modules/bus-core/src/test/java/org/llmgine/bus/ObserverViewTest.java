package org.llmgine.bus;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.llmgine.bus.handler.HandlerInfo;
import org.llmgine.bus.message.Command;
import org.llmgine.bus.message.CommandResult;
import org.llmgine.bus.message.Event;
import org.llmgine.bus.message.Headers;
import org.llmgine.bus.message.LifecycleEvent;
import org.llmgine.bus.message.MessageId;
import org.llmgine.bus.message.SessionStarted;
import org.llmgine.bus.spi.BusObserver;
import org.llmgine.bus.spi.MessageView;

/** The observer SPI v2: what each callback carries (id, session, headers, timings, bus identity). */
final class ObserverViewTest {

    record Ping(int n) implements Event {}

    record Ask(String q) implements Command<String> {}

    /** Keeps immutable snapshots of every view it is given, by callback. */
    static final class Recorder implements BusObserver {
        final List<MessageView.Snapshot> accepted = new CopyOnWriteArrayList<>();
        final List<MessageView.Snapshot> delivered = new CopyOnWriteArrayList<>();
        final List<long[]> timings = new CopyOnWriteArrayList<>();
        final List<MessageView.Snapshot> handled = new CopyOnWriteArrayList<>();
        final List<MessageView.Snapshot> commands = new CopyOnWriteArrayList<>();
        final List<MessageView.Snapshot> cancelled = new CopyOnWriteArrayList<>();
        final List<MessageView.Snapshot> returned = new CopyOnWriteArrayList<>();
        final List<LifecycleEvent> lifecycle = new CopyOnWriteArrayList<>();
        final CompletableFuture<CloseReport> closed = new CompletableFuture<>();

        @Override
        public void onAccepted(MessageView event, int queueSize) {
            accepted.add(event.snapshot());
        }

        @Override
        public void onHandlerCompleted(MessageView event, HandlerInfo handler, long durationNanos, Throwable failure) {
            handled.add(event.snapshot());
        }

        @Override
        public void onDelivered(MessageView event, int handlersInvoked, long processingNanos, long endToEndNanos,
                int queueSize) {
            delivered.add(event.snapshot());
            timings.add(new long[] {handlersInvoked, processingNanos, endToEndNanos});
        }

        @Override
        public void onCancelled(MessageView event) {
            cancelled.add(event.snapshot());
        }

        @Override
        public void onReturned(MessageView event) {
            returned.add(event.snapshot());
        }

        @Override
        public void onLifecycleEvent(MessageView event, LifecycleEvent kind) {
            lifecycle.add(kind);
        }

        @Override
        public void onCommandCompleted(MessageView command, long durationNanos, CommandResult<?> result) {
            commands.add(command.snapshot());
        }

        @Override
        public void onClose(MessageBus bus, CloseReport report) {
            closed.complete(report);
        }
    }

    @Test
    void callbacksCarryTheRightIdSessionHeadersAndTimings() throws Exception {
        var recorder = new Recorder();
        var ticks = new java.util.concurrent.atomic.AtomicLong();
        var handlerIds = new CopyOnWriteArrayList<MessageId>();
        try (var bus = MessageBus.builder().name("viewed").ticker(() -> ticks.addAndGet(1_000))
                .addObserver(recorder).start()) {
            bus.subscribe(SessionStarted.class, e -> { });
            bus.registerEventHandler(Ping.class, (p, ctx) -> handlerIds.add(ctx.messageId()));
            bus.registerCommand(Ask.class, (a, ctx) -> "answer");
            try (var session = bus.openSession("chat-1")) {
                var outcome = session.publishAndWait(new Ping(1),
                        PublishOptions.defaults().withHeader("trace", "t-1").withPriority(10), Duration.ofSeconds(5));
                var delivered = assertInstanceOf(DeliveryOutcome.Delivered.class, outcome);
                session.execute(new Ask("q"), ExecuteOptions.defaults().withHeader("trace", "t-2"));

                MessageView.Snapshot accepted = recorder.accepted.stream()
                        .filter(v -> v.message() instanceof Ping).findFirst().orElseThrow();
                assertEquals(delivered.eventId(), accepted.id());
                assertEquals(handlerIds.get(0), accepted.id(), "observer and handler see the same id");
                assertEquals(bus.instanceId(), accepted.id().origin());
                assertEquals("chat-1", accepted.sessionId());
                assertEquals(10, accepted.priority());
                assertEquals(Headers.of("trace", "t-1"), accepted.headers());
                assertEquals("viewed", accepted.busName());
                assertEquals(Ping.class, accepted.type());

                MessageView.Snapshot done = recorder.delivered.stream()
                        .filter(v -> v.message() instanceof Ping).findFirst().orElseThrow();
                assertEquals(accepted.id(), done.id());
                long[] timing = recorder.timings.get(recorder.delivered.indexOf(done));
                assertEquals(1, timing[0], "one handler ran");
                assertTrue(timing[1] > 0 && timing[2] >= timing[1], "processing " + timing[1] + " <= end to end " + timing[2]);

                assertTrue(bus.awaitIdle(Duration.ofSeconds(5)));
                MessageView.Snapshot command = recorder.commands.get(0);
                assertEquals(MessageId.Kind.COMMAND, command.id().kind());
                assertEquals("chat-1", command.sessionId());
                assertEquals(Headers.of("trace", "t-2"), command.headers());
                assertTrue(recorder.lifecycle.contains(new SessionStarted("chat-1")), recorder.lifecycle.toString());
            }
        }
        assertTrue(recorder.closed.get(5, TimeUnit.SECONDS).clean(), "onClose got the close report");
    }

    @Test
    void cancelledAndReturnedEvents_areReported_andListedInTheCloseReport() throws Exception {
        var recorder = new Recorder();
        var running = new CountDownLatch(1);
        var bus = MessageBus.builder().name("cut").addObserver(recorder).start();
        bus.subscribe(Ping.class, p -> {
            running.countDown();
            new CountDownLatch(1).await(); // until close interrupts it
        });
        bus.publish(new Ping(1));
        assertTrue(running.await(5, TimeUnit.SECONDS));
        bus.publish(new Ping(2));

        CloseReport report = bus.close(Duration.ofMillis(20));

        assertEquals(List.of(new Ping(1)), report.cancelled().stream().map(UnfinishedEvent::event).toList());
        assertEquals(List.of(new Ping(2)), report.returned().stream().map(UnfinishedEvent::event).toList());
        assertEquals(List.of(report.cancelled().get(0).eventId()), recorder.cancelled.stream().map(MessageView::id).toList());
        assertEquals(List.of(report.returned().get(0).eventId()), recorder.returned.stream().map(MessageView::id).toList());
        assertEquals(report, recorder.closed.get(5, TimeUnit.SECONDS));
    }

    @Test
    void deliveryTimes_areMeasured_onlyIfAnObserverWantsThem() throws Exception {
        List<long[]> times = new CopyOnWriteArrayList<>();
        BusObserver withoutTimes = new BusObserver() {
            @Override
            public boolean wantsDeliveryTimes() {
                return false;
            }

            @Override
            public void onDelivered(MessageView event, int handlersInvoked, long processingNanos, long endToEndNanos,
                    int queueSize) {
                times.add(new long[] {processingNanos, endToEndNanos});
            }
        };
        try (var bus = MessageBus.builder().name("untimed").addObserver(withoutTimes).start()) {
            bus.subscribe(Ping.class, ping -> { });
            bus.publishAndWait(new Ping(1), Duration.ofSeconds(10));
            assertTrue(bus.awaitIdle(Duration.ofSeconds(10)));
        }
        assertEquals(1, times.size());
        assertEquals(-1L, times.get(0)[0], "no observer wants them: not measured");
        assertEquals(-1L, times.get(0)[1]);

        times.clear();
        BusObserver withTimes = new BusObserver() {
            @Override
            public void onDelivered(MessageView event, int handlersInvoked, long processingNanos, long endToEndNanos,
                    int queueSize) {
                times.add(new long[] {processingNanos, endToEndNanos});
            }
        };
        try (var bus = MessageBus.builder().name("timed").addObserver(withoutTimes).addObserver(withTimes).start()) {
            bus.subscribe(Ping.class, ping -> { });
            bus.publishAndWait(new Ping(1), Duration.ofSeconds(10));
            assertTrue(bus.awaitIdle(Duration.ofSeconds(10)));
        }
        assertEquals(2, times.size(), "both observers are told");
        assertTrue(times.stream().allMatch(t -> t[0] >= 0 && t[1] >= t[0]),
                "one observer wants them: measured for every observer");
    }

    @Test
    void queueSizes_areRead_onlyIfAnObserverWantsThem() throws Exception {
        List<Integer> sizes = new CopyOnWriteArrayList<>();
        BusObserver withoutSizes = new BusObserver() {
            @Override
            public boolean wantsQueueSizes() {
                return false;
            }

            @Override
            public void onAccepted(MessageView event, int queueSize) {
                sizes.add(queueSize);
            }

            @Override
            public void onDelivered(MessageView event, int handlersInvoked, long processingNanos, long endToEndNanos,
                    int queueSize) {
                sizes.add(queueSize);
            }
        };
        var release = new CountDownLatch(1);
        try (var bus = MessageBus.builder().name("unsized").addObserver(withoutSizes).start()) {
            bus.subscribe(Ping.class, ping -> release.await());
            bus.publish(new Ping(1));
            bus.publish(new Ping(2));
            assertEquals(2, bus.stats().queue().size(), "stats() stays exact without observers' sizes");
            release.countDown();
            assertTrue(bus.awaitIdle(Duration.ofSeconds(10)));
        }
        assertEquals(List.of(-1, -1, -1, -1), sizes, "no observer wants them: -1 on acceptance and delivery");

        sizes.clear();
        BusObserver withSizes = new BusObserver() { };
        var hold = new CountDownLatch(1);
        try (var bus = MessageBus.builder().name("sized").addObserver(withoutSizes).addObserver(withSizes).start()) {
            bus.subscribe(Ping.class, ping -> hold.await());
            bus.publish(new Ping(1));
            bus.publish(new Ping(2));
            hold.countDown();
            assertTrue(bus.awaitIdle(Duration.ofSeconds(10)));
        }
        assertEquals(List.of(1, 2), sizes.subList(0, 2), "one observer wants them: exact sizes for every observer");
        assertEquals(List.of(1, 0), sizes.subList(2, 4), "sizes after each delivery");
    }

    @Test
    void oneObserverOnTwoBuses_tellsThemApart() throws Exception {
        var recorder = new Recorder();
        try (var a = MessageBus.builder().name("a").addObserver(recorder).start();
                var b = MessageBus.builder().name("b").addObserver(recorder).start()) {
            a.publishAndWait(new Ping(1));
            b.publishAndWait(new Ping(1));
            assertNotEquals(a.instanceId(), b.instanceId());
            assertEquals(List.of("a", "b"), recorder.accepted.stream().map(MessageView::busName).toList());
            assertEquals(List.of(a.instanceId(), b.instanceId()),
                    recorder.accepted.stream().map(v -> v.id().origin()).toList());
            assertTrue(recorder.accepted.stream().allMatch(v -> !v.acceptedAt().isAfter(Instant.now())));
        }
    }

    /** Records, per event id, the callbacks in the order they came. */
    static final class Sequencer implements BusObserver {
        final java.util.concurrent.ConcurrentHashMap<MessageId, List<String>> byId = new java.util.concurrent.ConcurrentHashMap<>();
        final List<String> commands = new CopyOnWriteArrayList<>();

        private void add(MessageView view, String step) {
            byId.computeIfAbsent(view.id(), k -> new CopyOnWriteArrayList<>()).add(step);
        }

        @Override
        public void onAccepted(MessageView event, int queueSize) {
            add(event, "accepted");
        }

        @Override
        public void onDispatched(MessageView event, long lagNanos) {
            add(event, "dispatched");
        }

        @Override
        public void onHandlerCompleted(MessageView event, HandlerInfo handler, long durationNanos, Throwable failure) {
            add(event, "handler");
        }

        @Override
        public void onDelivered(MessageView event, int handlersInvoked, long processingNanos, long endToEndNanos,
                int queueSize) {
            add(event, "delivered:" + handlersInvoked + (processingNanos <= endToEndNanos ? "" : " processing>e2e"));
        }

        @Override
        public void onCommandCompleted(MessageView command, long durationNanos, CommandResult<?> result) {
            commands.add(command.id().kind() + " " + (result instanceof CommandResult.Failure<?> f
                    ? f.cause().getClass().getSimpleName() : "ok"));
        }
    }

    @Test
    void callbacksOfOneEventComeInOrder_inSingleEventsAndFanOutRuns() throws Exception {
        var sequencer = new Sequencer();
        try (var bus = MessageBus.builder().name("ordered").addObserver(sequencer).start()) {
            bus.subscribe(Ping.class, p -> { });
            try (var session = bus.openSession("fan")) {
                session.subscribe(Ping.class, p -> { });
                session.subscribe(Ping.class, p -> { }); // with the bus-scope one: a group of three, a fan-out run
                for (int i = 0; i < 2_000; i++) {
                    bus.publish(new Ping(i));
                    session.publish(new Ping(i));
                }
                assertTrue(bus.awaitIdle(Duration.ofSeconds(30)));
            }
        }
        assertEquals(4_000, sequencer.byId.size());
        sequencer.byId.forEach((id, steps) -> {
            int handlers = steps.size() - 3;
            var expected = new java.util.ArrayList<String>(List.of("accepted", "dispatched"));
            for (int h = 0; h < handlers; h++) {
                expected.add("handler");
            }
            expected.add("delivered:" + handlers);
            assertEquals(expected, steps, "callbacks of " + id);
            assertTrue(handlers == 1 || handlers == 3, id + ": " + steps);
        });
    }

    @Test
    void aRefusedExecution_reachesObservers_asStartedAndCompletedWithUnavailable() {
        var sequencer = new Sequencer();
        try (var bus = MessageBus.builder().name("refusing").addObserver(sequencer).build()) {
            bus.registerCommand(Ask.class, (a, ctx) -> "never");
            var failure = assertInstanceOf(CommandResult.Failure.class, bus.execute(new Ask("q")));
            assertInstanceOf(org.llmgine.bus.message.FailureCause.Unavailable.class, failure.cause());
            assertEquals(List.of("COMMAND Unavailable"), sequencer.commands);
            assertEquals(0, bus.stats().commands().executed());
            assertEquals(1, bus.stats().commands().refused());
        }
    }

    @Test
    void eventsRefusedBeforeAcceptance_areReportedWithTheirSessionHeadersAndPriority() throws Exception {
        var offers = new CopyOnWriteArrayList<String>();
        BusObserver observer = new BusObserver() {
            @Override
            public void onFiltered(org.llmgine.bus.spi.EventOffer offer, String filter) {
                offers.add("filtered by " + filter + ": " + describe(offer));
            }

            @Override
            public void onRejected(org.llmgine.bus.spi.EventOffer offer, RejectionReason reason) {
                offers.add(reason + ": " + describe(offer));
            }

            private String describe(org.llmgine.bus.spi.EventOffer offer) {
                return offer.type().getSimpleName() + "@" + offer.sessionId() + " " + offer.headers().asMap() + " p"
                        + offer.priority() + " on " + offer.bus().name();
            }
        };
        var bus = MessageBus.builder().name("offers").addObserver(observer)
                .addFilter(org.llmgine.bus.filter.Filters.excludeTypes(Noise.class)).start();
        var session = bus.openSession("chat");
        session.publish(new Noise(), PublishOptions.defaults().withHeader("trace", "t-1").withPriority(10));
        session.close();
        session.publish(new Ping(1), PublishOptions.defaults().withHeader("trace", "t-2"));
        bus.close();

        assertEquals(2, offers.size(), offers.toString());
        assertTrue(offers.get(0).startsWith("filtered by ") && offers.get(0).endsWith(": Noise@chat {trace=t-1} p10 on offers"),
                offers.get(0));
        assertEquals("SESSION_CLOSED: Ping@chat {trace=t-2} p50 on offers", offers.get(1));
    }

    record Noise() implements Event {}
}
