package org.llmgine.bus.resilience;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.llmgine.bus.resilience.DeadLetterFixtures.T0;
import static org.llmgine.bus.resilience.DeadLetterFixtures.WAIT;
import static org.llmgine.bus.resilience.DeadLetterFixtures.async;
import static org.llmgine.bus.resilience.DeadLetterFixtures.retrying;

import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.llmgine.bus.MessageBus;
import org.llmgine.bus.message.CommandResult;
import org.llmgine.bus.message.FailureCause;
import org.llmgine.bus.message.MessageId;
import org.llmgine.bus.resilience.DeadLetterFixtures.Charge;
import org.llmgine.bus.resilience.DeadLetterFixtures.Driver;

/**
 * Replaying a dead letter runs it through its pipeline again: a success removes the entry, a new
 * failure updates it in place, and an unknown id is a value of its own.
 */
final class DeadLetterReplayTest {

    private final ManualClock clock = new ManualClock(T0);
    private final Driver driver = new Driver(clock);
    private final DeadLetterQueue dlq = DeadLetterQueue.builder().clock(clock).build();
    /** The handler fails while this is true. */
    private volatile boolean broken = true;
    private final AtomicInteger runs = new AtomicInteger();
    /** The replay header each successful run saw (empty for a first execution). */
    private final List<Optional<String>> succeededWith = new CopyOnWriteArrayList<>();

    /** A bus whose Charge handler fails while {@link #broken}, retried twice. */
    private MessageBus bus() {
        var resilience = ResiliencePolicy.builder().clock(clock).commands(Charge.class, retrying(clock, 2))
                .deadLetterQueue(dlq).build();
        var bus = resilience.installOn(MessageBus.builder().name("replaying").clock(clock)).start();
        bus.registerCommand(Charge.class, (cmd, ctx) -> {
            driver.mark();
            runs.incrementAndGet();
            if (broken) {
                throw new IllegalStateException("payment provider down for " + cmd.item());
            }
            succeededWith.add(ctx.headers().get(ResiliencePolicy.REPLAY_HEADER));
            return "charged " + cmd.item();
        });
        return bus;
    }

    private DeadLetter deadLetter(MessageBus bus, String item) throws Exception {
        var result = driver.complete(bus.executeAsync(new Charge(item)).result(), "charge " + item + " gave up");
        assertInstanceOf(CommandResult.Failure.class, result);
        return dlq.list().get(dlq.size() - 1);
    }

    @Test
    void replayAfterTheFix_runsTheCommandAgain_andRemovesTheEntry() throws Exception {
        try (var bus = bus()) {
            DeadLetter first = deadLetter(bus, "book");
            DeadLetter second = deadLetter(bus, "lamp");
            assertEquals(4, runs.get());
            broken = false;

            var replayed = assertInstanceOf(ReplayResult.Replayed.class, dlq.replay(first.id()));

            assertEquals(first, replayed.entry());
            assertEquals("charged book", replayed.result().orThrow(), "the replay returns the command's result");
            assertEquals(0, replayed.released());
            assertEquals(5, runs.get(), "one more run, which succeeded");
            assertEquals(List.of(Optional.of(first.id().toString())), succeededWith,
                    "the replayed run carries the entry's id in its replay header");
            assertEquals(Optional.empty(), dlq.find(first.id()));
            assertEquals(List.of(second), dlq.list());
            assertEquals(1, dlq.stats().replayed());
            assertInstanceOf(ReplayResult.UnknownId.class, dlq.replay(first.id()),
                    "a replayed entry is gone: replaying it again names an unknown id");
        }
    }

    @Test
    void replayOfAnUnknownId_isUnknownId_andChangesNothing() throws Exception {
        try (var bus = bus()) {
            DeadLetter entry = deadLetter(bus, "book");
            var unknown = new MessageId(UUID.randomUUID(), MessageId.Kind.DEAD_LETTER, 42);

            var result = assertInstanceOf(ReplayResult.UnknownId.class, dlq.replay(unknown));

            assertEquals(unknown, result.id());
            assertEquals(List.of(entry), dlq.list());
            assertEquals(2, runs.get(), "nothing ran");
        }
    }

    @Test
    void replayWhileStillFailing_addsTheAttempts_andKeepsTheEntryInPlace() throws Exception {
        try (var bus = bus()) {
            DeadLetter first = deadLetter(bus, "book");
            DeadLetter second = deadLetter(bus, "lamp");
            assertEquals(2, first.attempts());

            // the replay retries with backoffs on the test's clock: run it on another thread and drive
            var result = driver.complete(async(() -> dlq.replay(first.id())), "the replay finished");

            var still = assertInstanceOf(ReplayResult.StillFailing.class, result);
            DeadLetter again = still.entry();
            assertEquals(first.id(), again.id(), "the same entry, updated");
            assertEquals(first.messageId(), again.messageId());
            assertEquals(4, again.attempts(), "2 attempts, then 2 more in the replay");
            var exhausted = assertInstanceOf(FailureCause.RetriesExhausted.class, again.cause());
            assertEquals(2, exhausted.attempts());
            assertEquals(first.firstFailure(), again.firstFailure());
            assertTrue(again.lastFailure().isAfter(first.lastFailure()), again + " after " + first);
            assertEquals(List.of(again, second), dlq.list(), "updated in place: still first, and not added again");
            assertEquals(6, runs.get());
            assertEquals(2, dlq.stats().added(), "a replay's failure is not a new entry");
            assertEquals(0, dlq.stats().replayed());
        }
    }

    @Test
    void replayInASessionThatIsClosed_isNotReplayed_andKeepsTheEntry() throws Exception {
        try (var bus = bus()) {
            var session = bus.openSession("checkout-9");
            var result = driver.complete(session.executeAsync(new Charge("book")).result(), "the command gave up");
            assertInstanceOf(CommandResult.Failure.class, result);
            DeadLetter entry = dlq.list().get(0);
            session.close(WAIT);
            broken = false;

            var notReplayed = assertInstanceOf(ReplayResult.NotReplayed.class, dlq.replay(entry.id()));

            assertEquals(entry, notReplayed.entry());
            assertTrue(notReplayed.reason().contains("checkout-9"), notReplayed.reason());
            assertEquals(List.of(entry), dlq.list());
            assertEquals(2, runs.get(), "nothing ran");
        }
    }

    @Test
    void replayAfterTheBusClosed_isNotReplayed() throws Exception {
        DeadLetter entry;
        try (var bus = bus()) {
            entry = deadLetter(bus, "book");
        }
        broken = false;

        var notReplayed = assertInstanceOf(ReplayResult.NotReplayed.class, dlq.replay(entry.id()));

        assertEquals(entry, notReplayed.entry());
        assertEquals(List.of(entry), dlq.list());
    }
}
