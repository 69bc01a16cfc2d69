package org.llmgine.bus;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.llmgine.bus.filter.Filters;
import org.llmgine.bus.handler.HandlerInfo;
import org.llmgine.bus.message.Command;
import org.llmgine.bus.message.CommandResult;
import org.llmgine.bus.message.Event;
import org.llmgine.bus.spi.BusObserver;
import org.llmgine.bus.spi.MessageView;

final class ObserverTest {

    record Ping(int n) implements Event {}

    record Noise() implements Event {}

    record Ask() implements Command<String> {}

    /** Counts every callback by name. */
    static final class CountingObserver implements BusObserver {
        final Map<String, AtomicInteger> calls = new ConcurrentHashMap<>();
        final List<Long> durations = new CopyOnWriteArrayList<>();
        volatile @Nullable MessageBus attached;

        private void count(String name) {
            calls.computeIfAbsent(name, k -> new AtomicInteger()).incrementAndGet();
        }

        int count(String name, int unused) {
            AtomicInteger n = calls.get(name);
            return n == null ? 0 : n.get();
        }

        @Override
        public void onAttach(MessageBus bus) {
            attached = bus;
        }

        @Override
        public void onPublished(org.llmgine.bus.spi.EventOffer offer) {
            count("published");
        }

        @Override
        public void onAccepted(MessageView type, int queueSize) {
            count("accepted");
        }

        @Override
        public void onFiltered(org.llmgine.bus.spi.EventOffer offer, String filter) {
            count("filtered");
        }

        @Override
        public void onDispatched(MessageView type, long lagNanos) {
            count("dispatched");
        }

        @Override
        public void onHandlerCompleted(MessageView type, HandlerInfo handler, long durationNanos,
                @Nullable Throwable failure) {
            count(failure == null ? "handler-ok" : "handler-failed");
            durations.add(durationNanos);
        }

        @Override
        public void onDelivered(MessageView type, int invoked, long processingNanos, long endToEndNanos, int queueSize) {
            count("delivered");
        }

        @Override
        public void onCommandStarted(MessageView command) {
            count("command-started");
        }

        @Override
        public void onCommandCompleted(MessageView command, long durationNanos, CommandResult<?> result) {
            count(result.isSuccess() ? "command-ok" : "command-failed");
        }
    }

    @Test
    void observer_seesEveryStep_withDurationsFromTheBusTicker() throws Exception {
        var observer = new CountingObserver();
        var ticker = new AtomicLong();
        try (var bus = MessageBus.builder().name("observed").ticker(() -> ticker.addAndGet(1_000))
                .addFilter(Filters.excludeTypes(Noise.class)).addObserver(observer).start()) {
            assertSame(bus, observer.attached);
            bus.subscribe(Ping.class, p -> { });
            bus.subscribe(Ping.class, p -> {
                throw new IllegalStateException("x");
            });
            bus.registerCommand(Ask.class, (c, ctx) -> "ok");

            bus.publishAndWait(new Ping(1));
            bus.publish(new Noise());
            bus.execute(new Ask());
            assertTrue(bus.awaitIdle(Duration.ofSeconds(5)));
        }

        assertEquals(2, observer.count("published", 0));
        assertEquals(1, observer.count("accepted", 0));
        assertEquals(1, observer.count("filtered", 0));
        assertEquals(1, observer.count("dispatched", 0));
        assertEquals(1, observer.count("handler-ok", 0));
        assertEquals(1, observer.count("handler-failed", 0));
        assertEquals(1, observer.count("delivered", 0));
        assertEquals(1, observer.count("command-started", 0));
        assertEquals(1, observer.count("command-ok", 0));
        assertTrue(observer.durations.stream().allMatch(d -> d > 0 && d % 1_000 == 0), observer.durations.toString());
    }

    @Test
    void aThrowingObserver_neverBreaksTheBusOrReachesTheCaller() throws Exception {
        BusObserver broken = new BusObserver() {
            @Override
            public void onPublished(org.llmgine.bus.spi.EventOffer offer) {
                throw new IllegalStateException("observer bug");
            }

            @Override
            public void onHandlerCompleted(MessageView type, HandlerInfo handler, long nanos,
                    @Nullable Throwable failure) {
                throw new IllegalStateException("observer bug");
            }
        };
        var counting = new CountingObserver();
        try (var bus = MessageBus.builder().name("observed").addObserver(broken).addObserver(counting).start()) {
            var seen = new AtomicInteger();
            bus.subscribe(Ping.class, p -> seen.incrementAndGet());

            assertTrue(bus.publishAndWait(new Ping(1)).succeeded());
            assertEquals(1, seen.get());
            assertEquals(1, counting.count("published", 0), "later observers still get the callback");
        }
    }
}
