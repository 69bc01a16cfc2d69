package org.llmgine.bus;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.llmgine.bus.handler.HandlerInfo;
import org.llmgine.bus.message.Event;
import org.llmgine.bus.spi.BusObserver;
import org.llmgine.bus.spi.MessageView;

/** Faults outside handlers (observers, filters) never stop a lane or leave a slot taken. */
final class DrainerRobustnessTest {

    record Ping(int n) implements Event {}

    @Test
    void anObserverThrowingAnError_doesNotKillTheLane() throws Exception {
        BusObserver failing = new BusObserver() {
            @Override
            public void onHandlerCompleted(MessageView type, HandlerInfo handler, long nanos,
                    @Nullable Throwable failure) {
                throw new AssertionError("observer assertion");
            }

            @Override
            public void onDelivered(MessageView type, int invoked, long processingNanos, long endToEndNanos, int queueSize) {
                throw new AssertionError("observer assertion");
            }
        };
        try (var bus = MessageBus.builder().name("robust").addObserver(failing).start()) {
            var seen = new AtomicInteger();
            bus.subscribe(Ping.class, p -> seen.incrementAndGet());
            for (int i = 0; i < 100; i++) {
                bus.publish(new Ping(i));
            }

            assertTrue(bus.awaitIdle(Duration.ofSeconds(5)));
            assertEquals(100, seen.get());
            assertEquals(0, bus.stats().queue().size());
            assertTrue(bus.publishAndWait(new Ping(100), Duration.ofSeconds(5)).succeeded());
        }
    }

    @Test
    void aFilterThrowingAnError_rejectsTheEvent_andTheCountsStillAddUp() throws Exception {
        try (var bus = MessageBus.builder().name("robust-filter")
                .addFilter((e, s, h) -> {
                    if (((Ping) e).n() % 2 == 0) {
                        throw new AssertionError("filter assertion");
                    }
                    return true;
                }).start()) {
            bus.subscribe(Ping.class, p -> { });
            for (int i = 0; i < 10; i++) {
                bus.publish(new Ping(i));
            }
            assertTrue(bus.awaitIdle(Duration.ofSeconds(5)));

            BusStats stats = bus.stats();
            assertEquals(10, stats.events().published());
            assertEquals(5, stats.events().rejected());
            assertEquals(5, stats.events().accepted());
            assertEquals(5, stats.events().delivered());
        }
    }
}
