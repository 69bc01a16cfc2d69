package org.llmgine.bus;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.llmgine.bus.message.Event;

/**
 * Lanes that go idle and busy again all the time, under several publishers of both thread kinds:
 * the hand-off between a publisher and the worker letting a lane go is where a lost wake-up would
 * hide. Every accepted event must be handled, once, in order per session and publisher.
 */
final class LaneHandOffStressTest {

    record Step(int publisher, int session, long seq) implements Event {}

    @Test
    void lanesThatKeepGoingIdle_neverStrandAnEvent_andKeepPerPublisherOrder() throws Exception {
        for (int round = 0; round < 4; round++) {
            runRound(round);
        }
    }

    private static void runRound(int round) throws Exception {
        int publishers = 4;
        int sessions = 1 + round * 7;
        int perPublisher = 4_000;
        try (var bus = MessageBus.builder().name("hand-off-" + round).queueCapacity(64).start()) {
            var handled = new AtomicLong();
            var duplicatesOrDisorder = new AtomicInteger();
            var lastSeen = new ConcurrentHashMap<String, Long>();
            bus.subscribe(Step.class, step -> {
                String key = step.publisher() + "/" + step.session();
                Long previous = lastSeen.put(key, step.seq());
                if (previous != null && previous >= step.seq()) {
                    duplicatesOrDisorder.incrementAndGet();
                }
                handled.incrementAndGet();
                if (ThreadLocalRandom.current().nextInt(64) == 0) {
                    Thread.yield(); // now and then a handler gives its carrier up mid-batch
                }
            });
            List<Session> open = new ArrayList<>();
            for (int s = 0; s < sessions; s++) {
                open.add(bus.openSession("s" + s));
            }
            var start = new CountDownLatch(1);
            var accepted = new AtomicLong();
            var threads = new ArrayList<Thread>();
            for (int p = 0; p < publishers; p++) {
                int publisher = p;
                Thread.Builder builder = p % 2 == 0 ? Thread.ofPlatform() : Thread.ofVirtual();
                threads.add(builder.start(() -> {
                    try {
                        start.await();
                        long[] seq = new long[sessions];
                        var random = ThreadLocalRandom.current();
                        for (int i = 0; i < perPublisher; i++) {
                            int s = random.nextInt(sessions);
                            if (open.get(s).publish(new Step(publisher, s, ++seq[s])).isAccepted()) {
                                accepted.incrementAndGet();
                            }
                            int pause = random.nextInt(16);
                            for (int k = 0; k < pause * pause; k++) {
                                Thread.onSpinWait(); // lets lanes run dry between events
                            }
                        }
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }));
            }
            start.countDown();
            for (Thread thread : threads) {
                thread.join(Duration.ofSeconds(30));
            }

            assertTrue(bus.awaitIdle(Duration.ofSeconds(10)), "an event was stranded: " + bus.stats());
            assertEquals(accepted.get(), handled.get(), "handled events in round " + round);
            assertEquals(publishers * (long) perPublisher, accepted.get(), "BLOCK rejected nothing");
            assertEquals(0, duplicatesOrDisorder.get(), "duplicates or order breaks in round " + round);
            BusStats stats = bus.stats();
            assertEquals(0, stats.queue().size());
            assertEquals(stats.events().accepted(), stats.events().delivered());
        }
    }
}
