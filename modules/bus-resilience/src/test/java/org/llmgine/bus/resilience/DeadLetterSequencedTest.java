package org.llmgine.bus.resilience;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.llmgine.bus.resilience.DeadLetterFixtures.T0;
import static org.llmgine.bus.resilience.DeadLetterFixtures.WAIT;

import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.llmgine.bus.MessageBus;
import org.llmgine.bus.Session;
import org.llmgine.bus.handler.HandlerOptions;
import org.llmgine.bus.message.CommandResult;
import org.llmgine.bus.message.FailureCause;
import org.llmgine.bus.message.Message;
import org.llmgine.bus.resilience.DeadLetterFixtures.Audited;
import org.llmgine.bus.resilience.DeadLetterFixtures.Charge;
import org.llmgine.bus.resilience.DeadLetterFixtures.Refund;

/**
 * A sequenced queue keeps Axon's rule: once a session's message of a command type (or of one
 * handler) is dead-lettered, that sequence's later messages are not run but held behind it, and
 * they run in their original order once it is replayed with success or purged. Other sessions,
 * and other command types, are not held.
 */
final class DeadLetterSequencedTest {

    private final ManualClock clock = new ManualClock(T0);
    private final DeadLetterQueue dlq = DeadLetterQueue.builder().clock(clock).sequenced(true).build();
    /** The items whose handling fails. */
    private final Set<String> failing = ConcurrentHashMap.newKeySet();
    private final AtomicInteger runs = new AtomicInteger();
    /** Every successful run, as "session:item", in the order they ran. */
    private final List<String> ran = new CopyOnWriteArrayList<>();

    /** A bus whose Charge and Refund handlers (no retries) fail for the {@link #failing} items. */
    private MessageBus commandBus() {
        var resilience = ResiliencePolicy.builder().clock(clock).commands(Charge.class, Pipeline.of())
                .commands(Refund.class, Pipeline.of()).deadLetterQueue(dlq).build();
        var bus = resilience.installOn(MessageBus.builder().name("sequenced").clock(clock)).start();
        bus.registerCommand(Charge.class, (cmd, ctx) -> {
            runs.incrementAndGet();
            if (failing.contains(cmd.item())) {
                throw new IllegalStateException("declined " + cmd.item());
            }
            ran.add(ctx.sessionId() + ":" + cmd.item());
            return "charged " + cmd.item();
        });
        bus.registerCommand(Refund.class, (cmd, ctx) -> {
            ran.add(ctx.sessionId() + ":refund " + cmd.item());
            return "refunded " + cmd.item();
        });
        return bus;
    }

    private static List<Message> messages(List<DeadLetter> entries) {
        return entries.stream().map(DeadLetter::message).toList();
    }

    /** The cause of a failed result. */
    private static FailureCause causeOf(CommandResult<?> result) {
        return assertInstanceOf(CommandResult.Failure.class, result).cause();
    }

    @Test
    void laterCommandsOfTheSessionAreHeld_otherSessionsAndTypesRun_andReplayingTheHeadReleasesThemInOrder()
            throws Exception {
        failing.add("poison-1");
        try (var bus = commandBus()) {
            Session s1 = bus.openSession("s1");
            Session s2 = bus.openSession("s2");
            assertInstanceOf(FailureCause.HandlerThrew.class, causeOf(s1.execute(new Charge("poison-1"), WAIT)));
            DeadLetter head = dlq.list().get(0);
            assertNull(head.heldBehind());

            var blocked = new SequenceBlocked(head.id());
            assertEquals(blocked, causeOf(s1.execute(new Charge("ok-2"), WAIT)), "held, not run");
            assertEquals(blocked, causeOf(s1.execute(new Charge("ok-3"), WAIT)));

            assertEquals(1, runs.get(), "the held commands did not run");
            assertEquals(3, dlq.size());
            List<DeadLetter> held = dlq.list().subList(1, 3);
            assertEquals(List.of(new Charge("ok-2"), new Charge("ok-3")), messages(held));
            for (DeadLetter entry : held) {
                assertEquals(head.id(), entry.heldBehind());
                assertEquals(blocked, entry.cause());
                assertEquals(0, entry.attempts(), "a held message was never run");
                assertEquals("s1", entry.sessionId());
            }
            assertEquals("charged ok-x", s2.execute(new Charge("ok-x"), WAIT).orThrow(), "another session is not held");
            assertEquals("charged ok-y", bus.execute(new Charge("ok-y"), WAIT).orThrow(), "nor the bus scope");
            assertEquals("refunded r", s1.execute(new Refund("r"), WAIT).orThrow(), "nor another command type");
            assertEquals(3, dlq.size());

            var early = assertInstanceOf(ReplayResult.NotReplayed.class, dlq.replay(held.get(1).id()));
            assertTrue(early.reason().contains(head.id().toString()), "names the head: " + early.reason());
            assertEquals(held.get(1), early.entry());
            assertEquals(3, runs.get(), "nothing ran");

            failing.clear();
            var replayed = assertInstanceOf(ReplayResult.Replayed.class, dlq.replay(head.id()));

            assertEquals(2, replayed.released(), "both held commands ran after the head");
            assertEquals("charged poison-1", replayed.result().orThrow());
            assertEquals(List.of("s2:ok-x", "null:ok-y", "s1:refund r", "s1:poison-1", "s1:ok-2", "s1:ok-3"), ran,
                    "the head, then the held commands in their original order");
            assertEquals(0, dlq.size(), dlq.list().toString());
            assertEquals(3, dlq.stats().replayed());
            assertEquals("charged ok-4", s1.execute(new Charge("ok-4"), WAIT).orThrow(), "the sequence runs again");
        }
    }

    @Test
    void purgingTheHead_releasesTheHeldCommandsInOrder() throws Exception {
        failing.add("poison-1");
        try (var bus = commandBus()) {
            Session s1 = bus.openSession("s1");
            causeOf(s1.execute(new Charge("poison-1"), WAIT));
            DeadLetter head = dlq.list().get(0);
            causeOf(s1.execute(new Charge("ok-2"), WAIT));
            causeOf(s1.execute(new Charge("ok-3"), WAIT));

            assertTrue(dlq.purge(head.id()));

            assertEquals(List.of("s1:ok-2", "s1:ok-3"), ran, "the held commands ran, the purged one did not");
            assertEquals(0, dlq.size(), dlq.list().toString());
            assertEquals(1, dlq.stats().purged());
            assertEquals(2, dlq.stats().replayed());
        }
    }

    @Test
    void aReleasedCommandThatFailsAgain_stopsTheRelease_andBecomesTheHead() throws Exception {
        failing.add("poison-1");
        failing.add("poison-3");
        try (var bus = commandBus()) {
            Session s1 = bus.openSession("s1");
            causeOf(s1.execute(new Charge("poison-1"), WAIT));
            DeadLetter head = dlq.list().get(0);
            for (String item : List.of("ok-2", "poison-3", "ok-4")) {
                assertInstanceOf(SequenceBlocked.class, causeOf(s1.execute(new Charge(item), WAIT)));
            }
            failing.remove("poison-1");

            var replayed = assertInstanceOf(ReplayResult.Replayed.class, dlq.replay(head.id()));

            assertEquals(1, replayed.released(), "ok-2 ran, poison-3 failed again and stopped the release");
            assertEquals(List.of("s1:poison-1", "s1:ok-2"), ran);
            List<DeadLetter> left = dlq.list();
            assertEquals(List.of(new Charge("poison-3"), new Charge("ok-4")), messages(left));
            DeadLetter newHead = left.get(0);
            assertInstanceOf(FailureCause.HandlerThrew.class, newHead.cause(), "it ran and failed: " + newHead);
            assertEquals(1, newHead.attempts());
            var notYet = assertInstanceOf(ReplayResult.NotReplayed.class, dlq.replay(left.get(1).id()));
            assertTrue(notYet.reason().contains(newHead.id().toString()), "names the new head: " + notYet.reason());
            assertEquals(new SequenceBlocked(newHead.id()), causeOf(s1.execute(new Charge("ok-5"), WAIT)),
                    "a new command waits behind the new head");
        }
    }

    @Test
    void laterEventsOfTheSessionsHandlerAreHeld_andReplayingTheHeadReleasesThemInOrder() throws Exception {
        failing.add("poison-1");
        var resilience = ResiliencePolicy.builder().clock(clock).events(Audited.class, "ledger", Pipeline.of())
                .deadLetterQueue(dlq).build();
        try (var bus = resilience.installOn(MessageBus.builder().name("sequenced-events").clock(clock)).start()) {
            Session s1 = bus.openSession("s1");
            Session s2 = bus.openSession("s2");
            for (Session session : List.of(s1, s2)) {
                session.registerEventHandler(Audited.class, HandlerOptions.named("ledger"), (event, ctx) -> {
                    runs.incrementAndGet();
                    if (failing.contains(event.what())) {
                        throw new IllegalStateException("ledger refused " + event.what());
                    }
                    ran.add(ctx.sessionId() + ":" + event.what());
                });
            }
            for (String what : List.of("poison-1", "ok-2", "ok-3")) {
                assertTrue(s1.publish(new Audited(what)).isAccepted());
            }
            assertTrue(s1.awaitIdle(WAIT), "s1 did not become idle");
            s2.publishAndWait(new Audited("ok-x"), WAIT);

            assertEquals(List.of("s2:ok-x"), ran, "s1's later events did not run; s2 is not held");
            assertEquals(2, runs.get());
            List<DeadLetter> entries = dlq.list();
            assertEquals(List.of(new Audited("poison-1"), new Audited("ok-2"), new Audited("ok-3")), messages(entries));
            DeadLetter head = entries.get(0);
            assertEquals("ledger", head.handler());
            for (DeadLetter held : entries.subList(1, 3)) {
                assertEquals(head.id(), held.heldBehind());
                assertEquals(new SequenceBlocked(head.id()), held.cause());
                assertEquals("ledger", held.handler());
            }
            var early = assertInstanceOf(ReplayResult.NotReplayed.class, dlq.replay(entries.get(2).id()));
            assertTrue(early.reason().contains(head.id().toString()), early.reason());

            failing.clear();
            var replayed = assertInstanceOf(ReplayResult.Replayed.class, dlq.replay(head.id()));

            assertEquals(2, replayed.released());
            assertEquals(List.of("s2:ok-x", "s1:poison-1", "s1:ok-2", "s1:ok-3"), ran);
            assertEquals(0, dlq.size(), dlq.list().toString());
        }
    }
}
