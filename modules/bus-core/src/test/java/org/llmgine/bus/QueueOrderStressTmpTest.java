package org.llmgine.bus;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.Test;
import org.llmgine.bus.handler.Priority;
import org.llmgine.bus.message.Event;

/** TEMPORARY: hammers one session's mailbox with mixed priorities while it is being drained. */
final class QueueOrderStressTmpTest {

    private static final int[] LEVELS = {Priority.HIGHEST, Priority.HIGH, Priority.NORMAL, Priority.LOW, Priority.LOWEST};

    record Job(int publisher, int seq) implements Event {}

    record Seen(long id, int priority) {}

    @Test
    void stress() throws InterruptedException {
        long seconds = Long.getLong("stress.seconds", 20);
        int sessions = Integer.getInteger("stress.sessions", 2);
        int publishers = Integer.getInteger("stress.publishers", 2);
        int perRound = Integer.getInteger("stress.events", 400);
        long end = System.nanoTime() + Duration.ofSeconds(seconds).toNanos();
        int rounds = 0;
        long events = 0;
        List<String> violations = new ArrayList<>();
        while (System.nanoTime() < end && violations.size() < 5) {
            rounds++;
            List<List<Seen>> logs = new ArrayList<>();
            try (var bus = MessageBus.builder().name("stress-order").start()) {
                List<Session> opened = new ArrayList<>();
                for (int s = 0; s < sessions; s++) {
                    Session session = bus.openSession("s" + s);
                    opened.add(session);
                    var log = new CopyOnWriteArrayList<Seen>();
                    logs.add(log);
                    session.registerEventHandler(Job.class,
                            (job, ctx) -> log.add(new Seen(ctx.messageId().sequence(), ctx.priority())));
                }
                DeliveryPropertiesTest.runConcurrently(publishers, p -> {
                    var random = ThreadLocalRandom.current();
                    for (int i = 0; i < perRound; i++) {
                        // urgent-then-less-urgent pairs: the interleaving that a level scan in index order can miss
                        int a = random.nextInt(LEVELS.length - 1);
                        int b = a + 1 + random.nextInt(LEVELS.length - 1 - a);
                        Session session = opened.get(random.nextInt(sessions));
                        session.publish(new Job(p, i), PublishOptions.defaults().withPriority(LEVELS[a]));
                        session.publish(new Job(p, i), PublishOptions.defaults().withPriority(LEVELS[b]));
                    }
                });
                assertTrue(bus.awaitIdle(Duration.ofSeconds(30)));
            }
            for (int s = 0; s < logs.size(); s++) {
                List<Seen> log = logs.get(s);
                events += log.size();
                // scanning from the last handled back: minId[l] = smallest id at priority l handled after this one
                long[] minId = new long[101];
                java.util.Arrays.fill(minId, Long.MAX_VALUE);
                Seen[] minSeen = new Seen[101];
                for (int i = log.size() - 1; i >= 0; i--) {
                    Seen earlier = log.get(i);
                    for (int level : LEVELS) {
                        if (level <= earlier.priority() && minId[level] < earlier.id()) {
                            violations.add("round " + rounds + " s" + s + ": " + minSeen[level] + " handled after newer "
                                    + earlier + " (positions " + i + " of " + log.size() + ")");
                            break;
                        }
                    }
                    if (earlier.id() < minId[earlier.priority()]) {
                        minId[earlier.priority()] = earlier.id();
                        minSeen[earlier.priority()] = earlier;
                    }
                }
            }
        }
        System.out.println("STRESS rounds=" + rounds + " events=" + events + " violations=" + violations.size());
        violations.forEach(v -> System.out.println("STRESS " + v));
        assertTrue(violations.isEmpty(), violations.toString());
    }
}
