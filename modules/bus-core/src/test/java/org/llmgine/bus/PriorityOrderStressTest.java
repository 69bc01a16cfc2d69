package org.llmgine.bus;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.Test;
import org.llmgine.bus.handler.Priority;
import org.llmgine.bus.message.Event;

/**
 * Hammers sessions' mailboxes with urgent-then-less-urgent pairs while workers drain them, and
 * checks the priority promise: no event runs before an older event of its session that is at
 * least as urgent. It caught a worker that read the levels most urgent first and could miss an
 * older urgent event published between two of its reads (about one violation per 2 s before the
 * fix; 0 in 60 s after). Two seconds by default ({@code -Dstress.seconds=N} for longer), so a
 * regression usually, not always, shows here; {@code QueuePropertiesTest} checks the same promise
 * with random inputs.
 */
final class PriorityOrderStressTest {

    private static final int[] LEVELS = {Priority.HIGHEST, Priority.HIGH, Priority.NORMAL, Priority.LOW, Priority.LOWEST};

    record Job(int publisher, int seq) implements Event {}

    record Seen(long id, int priority) {}

    @Test
    void urgentThenLessUrgentPairs_areHandledInPriorityOrderWithinEachSession() throws InterruptedException {
        long seconds = Long.getLong("stress.seconds", 2);
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
            try (var bus = MessageBus.builder().name("priority-stress").start()) {
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
                Arrays.fill(minId, Long.MAX_VALUE);
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
        long handled = events;
        int ran = rounds;
        assertTrue(violations.isEmpty(), () -> violations + " in " + ran + " rounds, " + handled + " events");
    }
}
