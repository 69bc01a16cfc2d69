package org.llmgine.bus.benchmarks.peer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.Test;

/** Every system delivers every accepted event to every handler, exactly once (no timing asserted). */
final class SystemKindTest {

    private static final int EVENTS = 20_000;

    private static void deliverAll(SystemKind kind, int publishers, int handlers, int sessions)
            throws InterruptedException {
        LongAdder calls = new LongAdder();
        LongAdder accepted = new LongAdder();
        try (EventSystem system = kind.create(new Setup(publishers, handlers, sessions, tick -> calls.increment()))) {
            assertEquals(kind.label(), system.name());
            Thread[] threads = new Thread[publishers];
            for (int p = 0; p < publishers; p++) {
                TickPublisher publisher = system.publisher(p);
                threads[p] = Thread.ofPlatform().start(() -> {
                    try {
                        for (int i = 0; i < EVENTS / publishers; i++) {
                            if (publisher.publish(new Tick(i, 0, 0))) {
                                accepted.increment();
                            }
                        }
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                });
            }
            for (Thread thread : threads) {
                thread.join();
            }
            assertEquals(EVENTS, accepted.sum(), "a system under no pressure accepts everything");
            long limit = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (calls.sum() < (long) EVENTS * handlers && System.nanoTime() < limit) {
                LockSupport.parkNanos(1_000_000);
            }
        }
        assertEquals((long) EVENTS * handlers, calls.sum(), kind.label() + ": every handler saw every event once");
    }

    @ParameterizedTest
    @EnumSource(SystemKind.class)
    void oneHandler_onePublisher(SystemKind kind) throws InterruptedException {
        deliverAll(kind, 1, 1, 1);
    }

    @ParameterizedTest
    @EnumSource(SystemKind.class)
    void eightHandlers_fourPublishers(SystemKind kind) throws InterruptedException {
        deliverAll(kind, 4, 8, 1);
    }

    @Test
    void theBus_withSessions_deliversToItsBusScopeHandler() throws InterruptedException {
        deliverAll(SystemKind.LLMGINE_BUS, 4, 1, 64);
    }

    @Test
    void peers_refuseSessions_andLabelsRoundTrip() {
        for (SystemKind kind : SystemKind.values()) {
            assertEquals(kind, SystemKind.byLabel(kind.label()));
            if (!kind.supportsSessions()) {
                assertThrows(IllegalArgumentException.class, () -> kind.create(new Setup(1, 1, 2, tick -> { })));
            }
        }
        assertTrue(SystemKind.LLMGINE_BUS.supportsSessions());
        assertThrows(IllegalArgumentException.class, () -> SystemKind.byLabel("kafka"));
    }
}
