package org.llmgine.bus.resilience;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.llmgine.bus.resilience.DeadLetterFixtures.T0;
import static org.llmgine.bus.resilience.DeadLetterFixtures.WAIT;
import static org.llmgine.bus.resilience.DeadLetterFixtures.WAIT_SECONDS;
import static org.llmgine.bus.resilience.DeadLetterFixtures.async;

import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.llmgine.bus.MessageBus;
import org.llmgine.bus.message.CommandResult;
import org.llmgine.bus.resilience.DeadLetterFixtures.Charge;

/**
 * A full EVICT_OLDEST queue whose only entry is being replayed: it never evicts that entry (the new
 * one is rejected and counted instead), and whatever the replay's outcome, the queue, its store,
 * its counts and its sequences stay consistent with each other.
 */
final class DeadLetterEvictionRaceTest {

    private final ManualClock clock = new ManualClock(T0);
    private final InMemoryDeadLetterStore store = new InMemoryDeadLetterStore();
    /** Counted down when a replayed run starts; it then waits for {@link #unblock}. */
    private final CountDownLatch replayStarted = new CountDownLatch(1);
    private final CountDownLatch unblock = new CountDownLatch(1);
    /** Whether the replayed run fails after it is unblocked. */
    private volatile boolean replayFails;

    /**
     * A bus whose Charge handler fails for items starting with "poison", except that a replayed run
     * waits for {@link #unblock} and then fails only if {@link #replayFails}.
     */
    private MessageBus bus(DeadLetterQueue dlq) {
        var resilience = ResiliencePolicy.builder().clock(clock).commands(Charge.class, Pipeline.of())
                .deadLetterQueue(dlq).build();
        var bus = resilience.installOn(MessageBus.builder().name("eviction-race").clock(clock)).start();
        bus.registerCommand(Charge.class, (cmd, ctx) -> {
            if (ctx.headers().get(ResiliencePolicy.REPLAY_HEADER).isPresent()) {
                replayStarted.countDown();
                unblock.await(WAIT_SECONDS, TimeUnit.SECONDS);
                if (replayFails) {
                    throw new IllegalStateException("still declined " + cmd.item());
                }
                return "charged " + cmd.item();
            }
            if (cmd.item().startsWith("poison")) {
                throw new IllegalStateException("declined " + cmd.item());
            }
            return "charged " + cmd.item();
        });
        return bus;
    }

    private static void fails(MessageBus bus, Charge charge) {
        assertInstanceOf(CommandResult.Failure.class, bus.execute(charge, WAIT), charge + " should fail");
    }

    /** Dead-letters poison-a, starts its replay, and while it runs dead-letters poison-b (which cannot evict it). */
    private ReplayResult replayEvictedWhileRunning(MessageBus bus, DeadLetterQueue dlq) throws Exception {
        fails(bus, new Charge("poison-a"));
        DeadLetter a = dlq.list().get(0);
        var replay = async(() -> dlq.replay(a.id()));
        assertTrue(replayStarted.await(WAIT_SECONDS, TimeUnit.SECONDS), "the replay did not start");
        fails(bus, new Charge("poison-b"));
        assertEquals(1, dlq.stats().rejected(), "poison-b was refused, not poison-a evicted mid-replay");
        unblock.countDown();
        return replay.get(WAIT_SECONDS, TimeUnit.SECONDS);
    }

    @Test
    void anEntryEvictedDuringAFailingReplay_isNotWrittenBackToTheStore() throws Exception {
        replayFails = true;
        var dlq = DeadLetterQueue.builder().clock(clock).store(store).capacity(1).build();
        try (var bus = bus(dlq)) {
            replayEvictedWhileRunning(bus, dlq);

            assertEquals(dlq.list(), store.pending(), "the store holds exactly what the queue holds");
            assertEquals(dlq.list(), DeadLetterQueue.builder().clock(clock).store(store).capacity(1).build().list(),
                    "a reopened queue lists what this one does");
        }
    }

    @Test
    void anEntryEvictedDuringASuccessfulReplay_isCountedOnce() throws Exception {
        var dlq = DeadLetterQueue.builder().clock(clock).capacity(1).build();
        try (var bus = bus(dlq)) {
            replayEvictedWhileRunning(bus, dlq);

            var stats = dlq.stats();
            assertEquals(stats.added(), stats.size() + stats.evicted() + stats.purged() + stats.replayed(),
                    "every entry ends present, evicted, purged or replayed, once: " + stats);
        }
    }

    @Test
    void anEntryEvictedDuringASuccessfulReplay_doesNotBreakItsSequence() throws Exception {
        var dlq = DeadLetterQueue.builder().clock(clock).capacity(1).sequenced(true).build();
        try (var bus = bus(dlq)) {
            var session = bus.openSession("s1");
            assertInstanceOf(CommandResult.Failure.class, session.execute(new Charge("poison-a"), WAIT));
            DeadLetter a = dlq.list().get(0);
            var replay = async(() -> dlq.replay(a.id()));
            assertTrue(replayStarted.await(WAIT_SECONDS, TimeUnit.SECONDS), "the replay did not start");
            fails(bus, new Charge("poison-b")); // bus scope: another sequence, evicts a
            unblock.countDown();
            replay.get(WAIT_SECONDS, TimeUnit.SECONDS);

            // a new dead letter of s1 (it evicts poison-b) must hold the session's later charges
            assertInstanceOf(CommandResult.Failure.class, session.execute(new Charge("poison-c"), WAIT));
            List<DeadLetter> ofS1 = dlq.bySession("s1");
            assertEquals(List.of(new Charge("poison-c")), ofS1.stream().map(DeadLetter::message).toList());
            DeadLetter c = ofS1.get(0);
            var later = assertInstanceOf(CommandResult.Failure.class, session.execute(new Charge("ok-d"), WAIT),
                    "ok-d must be held behind poison-c, not run");
            assertEquals(new SequenceBlocked(c.id()), later.cause());
            // capacity 1: the held ok-d evicted poison-c, so ok-d is now the session's one entry and its head
            List<DeadLetter> nowS1 = dlq.bySession("s1");
            assertEquals(List.of(new Charge("ok-d")), nowS1.stream().map(DeadLetter::message).toList());
            assertEquals(nowS1.get(0).id(), dlq.head("s1", Charge.class.getName()),
                    "the session's one entry heads its sequence (the count was not taken twice)");
        }
    }
}
