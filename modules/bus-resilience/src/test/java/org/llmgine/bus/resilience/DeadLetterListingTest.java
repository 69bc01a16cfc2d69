package org.llmgine.bus.resilience;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.llmgine.bus.resilience.DeadLetterFixtures.T0;
import static org.llmgine.bus.resilience.DeadLetterFixtures.WAIT;

import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.llmgine.bus.MessageBus;
import org.llmgine.bus.MessageScope;
import org.llmgine.bus.message.Command;
import org.llmgine.bus.message.Message;
import org.llmgine.bus.resilience.DeadLetterFixtures.Charge;
import org.llmgine.bus.resilience.DeadLetterFixtures.Refund;

/**
 * Looking at the queue: listing is oldest first and never changes it (the Python bus rotated its
 * queue on every look, B-26), selections by type and session, and purging.
 */
final class DeadLetterListingTest {

    private final ManualClock clock = new ManualClock(T0);
    private final DeadLetterQueue dlq = DeadLetterQueue.builder().clock(clock).build();
    private MessageBus bus;
    /** Dead-lettered in this order: charge-a and refund-a in s1, charge-b in s2, charge-c in the bus scope. */
    private DeadLetter chargeA;
    private DeadLetter refundA;
    private DeadLetter chargeB;
    private DeadLetter chargeC;

    @BeforeEach
    void fourEntries() {
        var resilience = ResiliencePolicy.builder().clock(clock).commands(Charge.class, Pipeline.of())
                .commands(Refund.class, Pipeline.of()).deadLetterQueue(dlq).build();
        bus = resilience.installOn(MessageBus.builder().name("listing").clock(clock)).start();
        bus.registerCommand(Charge.class, (cmd, ctx) -> {
            throw new IllegalStateException("declined " + cmd.item());
        });
        bus.registerCommand(Refund.class, (cmd, ctx) -> {
            throw new IllegalStateException("refused " + cmd.item());
        });
        var s1 = bus.openSession("s1");
        var s2 = bus.openSession("s2");
        chargeA = fail(s1, new Charge("a"));
        refundA = fail(s1, new Refund("a"));
        chargeB = fail(s2, new Charge("b"));
        chargeC = fail(bus, new Charge("c"));
    }

    @AfterEach
    void closeBus() {
        bus.close();
    }

    /** Executes a failing command and returns its entry, the newest. */
    private DeadLetter fail(MessageScope scope, Command<String> command) {
        assertFalse(scope.execute(command, WAIT).isSuccess(), command + " should fail");
        DeadLetter newest = dlq.list().get(dlq.size() - 1);
        assertEquals(command, newest.message());
        return newest;
    }

    private static List<Message> messages(List<DeadLetter> entries) {
        return entries.stream().map(DeadLetter::message).toList();
    }

    @Test
    void list_isOldestFirst_andLookingDoesNotChangeTheQueue() {
        assertEquals(List.of(chargeA, refundA, chargeB, chargeC), dlq.list());
        assertEquals(List.of(chargeA), dlq.list(1));
        assertEquals(List.of(chargeA), dlq.list(1), "a second look sees the same oldest entry (B-26)");
        assertEquals(List.of(chargeA, refundA), dlq.list(2));
        assertEquals(List.of(), dlq.list(0));
        assertEquals(4, dlq.list(10).size());
        assertEquals(List.of(chargeA, refundA, chargeB, chargeC), dlq.list(), "still in arrival order");
        assertEquals(4, dlq.size());
        assertEquals(Optional.of(refundA), dlq.find(refundA.id()));
        assertThrows(IllegalArgumentException.class, () -> dlq.list(-1));
    }

    @Test
    void theEntryIdsAreDistinct_andIncreaseInArrivalOrder() {
        var ids = dlq.list().stream().map(DeadLetter::id).toList();
        for (int i = 1; i < ids.size(); i++) {
            assertTrue(ids.get(i - 1).compareTo(ids.get(i)) < 0, ids.toString());
        }
    }

    @Test
    void byType_selectsTheExactMessageClass_oldestFirst() {
        assertEquals(List.of(chargeA, chargeB, chargeC), dlq.byType(Charge.class));
        assertEquals(List.of(refundA), dlq.byType(Refund.class));
        assertEquals(List.of(), dlq.byType(Command.class), "the exact class, not a supertype");
        assertEquals(messages(List.of(chargeA, refundA, chargeB, chargeC)), messages(dlq.list()));
    }

    @Test
    void bySession_selectsTheSessionsEntries_oldestFirst() {
        assertEquals(List.of(chargeA, refundA), dlq.bySession("s1"));
        assertEquals(List.of(chargeB), dlq.bySession("s2"));
        assertEquals(List.of(), dlq.bySession("no-such-session"));
        assertEquals(4, dlq.size());
    }

    @Test
    void purge_removesOneEntryOnce() throws Exception {
        assertTrue(dlq.purge(chargeB.id()));
        assertFalse(dlq.purge(chargeB.id()), "already purged");

        assertEquals(List.of(chargeA, refundA, chargeC), dlq.list());
        assertEquals(Optional.empty(), dlq.find(chargeB.id()));
        assertEquals(1, dlq.stats().purged());
        assertEquals(List.of(), dlq.bySession("s2"));
        assertTrue(dlq.replay(chargeB.id()) instanceof ReplayResult.UnknownId, "a purged entry is unknown");
    }

    @Test
    void purgeAll_removesEveryEntry_andCountsThem() {
        assertEquals(4, dlq.purgeAll());

        assertEquals(0, dlq.size());
        assertEquals(List.of(), dlq.list());
        assertEquals(4, dlq.stats().purged());
        assertEquals(4, dlq.stats().added());
        assertEquals(0, dlq.purgeAll(), "nothing left to purge");
    }
}
