package org.llmgine.bus.resilience;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.llmgine.bus.resilience.DeadLetterFixtures.T0;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.booleans;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.lists;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.llmgine.bus.message.FailureCause;
import org.llmgine.bus.message.Headers;
import org.llmgine.bus.message.MessageId;
import org.llmgine.bus.resilience.DeadLetterFixtures.Charge;

/**
 * The queue's bookkeeping against a model, over random sequences of adds and purges (called
 * directly, without a bus): bounded, in insertion order, and every entry counted exactly once.
 */
final class DeadLetterQueuePropertiesTest {

    private static final FailureCause CAUSE = new FailureCause.HandlerThrew(new IllegalStateException("declined"));
    private static final String[] SESSIONS = {"s0", "s1", "s2"};

    /**
     * Runs one sequence: each op below 60 adds an entry (in session {@code op % 3}), below 95 purges
     * the model's entry at {@code op % size} (or an unknown id when empty), else purges all. After
     * every op the queue must equal the model.
     */
    private static void check(int capacity, DeadLetterQueue.Overflow overflow, boolean sequenced, List<Integer> ops) {
        var clock = new ManualClock(T0);
        var dlq = DeadLetterQueue.builder().clock(clock).capacity(capacity).overflow(overflow).sequenced(sequenced)
                .build();
        var origin = UUID.randomUUID();
        List<DeadLetter> model = new ArrayList<>();
        long evicted = 0;
        long rejected = 0;
        long purged = 0;
        long sequence = 0;
        for (int op : ops) {
            clock.advance(Duration.ofMillis(1));
            if (op < 60) {
                String session = SESSIONS[op % SESSIONS.length];
                var added = dlq.add(new Charge("m" + sequence), new MessageId(origin, MessageId.Kind.COMMAND, ++sequence),
                        session, Headers.empty(), 0, null, CAUSE, 1, clock.instant(), null);
                if (model.size() < capacity) {
                    assertNotNull(added, "room for it");
                    assertNull(added.evicted());
                    model.add(added.entry());
                } else if (overflow == DeadLetterQueue.Overflow.EVICT_OLDEST) {
                    assertNotNull(added, "EVICT_OLDEST always adds");
                    assertEquals(model.remove(0), added.evicted(), "the oldest entry is evicted");
                    model.add(added.entry());
                    evicted++;
                } else {
                    assertNull(added, "REJECT_NEW refuses when full");
                    rejected++;
                }
            } else if (op < 95) {
                if (model.isEmpty()) {
                    assertFalse(purge(dlq, new MessageId(UUID.randomUUID(), MessageId.Kind.DEAD_LETTER, 1)));
                } else {
                    DeadLetter victim = model.remove(op % model.size());
                    assertTrue(purge(dlq, victim.id()), "purge of a present entry");
                    assertFalse(purge(dlq, victim.id()), "a second purge of the same entry");
                    purged++;
                }
            } else {
                assertEquals(model.size(), dlq.purgeAll());
                purged += model.size();
                model.clear();
            }

            assertTrue(dlq.size() <= capacity, "size " + dlq.size() + " over capacity " + capacity);
            assertEquals(model, dlq.list(), "the surviving entries, in insertion order");
            var stats = dlq.stats();
            assertEquals(model.size(), stats.size());
            assertEquals(stats.added(), stats.size() + stats.evicted() + stats.purged(),
                    "every added entry is present, evicted or purged: " + stats);
            assertEquals(evicted, stats.evicted());
            assertEquals(rejected, stats.rejected());
            assertEquals(purged, stats.purged());
            if (sequenced) {
                for (String session : SESSIONS) {
                    MessageId expected = model.stream().filter(entry -> session.equals(entry.sessionId()))
                            .map(DeadLetter::id).findFirst().orElse(null);
                    assertEquals(expected, dlq.head(session, Charge.class.getName()),
                            "the head of " + session + " is its oldest entry");
                }
            }
        }
    }

    private static boolean purge(DeadLetterQueue dlq, MessageId id) {
        try {
            return dlq.purge(id);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }

    @Test
    void boundedInInsertionOrder_andEveryEntryCountedOnce() {
        qt().forAll(integers().between(1, 20), booleans().all(), lists().of(integers().between(0, 99))
                .ofSizeBetween(0, 80)).checkAssert((capacity, evictOldest, ops) -> check(capacity,
                        evictOldest ? DeadLetterQueue.Overflow.EVICT_OLDEST : DeadLetterQueue.Overflow.REJECT_NEW,
                        false, ops));
    }

    @Test
    void aSequencedQueuesHead_isAlwaysTheSessionsOldestEntry() {
        qt().forAll(integers().between(1, 20), booleans().all(), lists().of(integers().between(0, 99))
                .ofSizeBetween(0, 80)).checkAssert((capacity, evictOldest, ops) -> check(capacity,
                        evictOldest ? DeadLetterQueue.Overflow.EVICT_OLDEST : DeadLetterQueue.Overflow.REJECT_NEW,
                        true, ops));
    }

    @Test
    void capacityOne_theSecondAddEvictsTheFirst() {
        var dlq = DeadLetterQueue.builder().capacity(1).build();
        dlq.add(new Charge("a"), new MessageId(UUID.randomUUID(), MessageId.Kind.COMMAND, 1), null, Headers.empty(), 0,
                null, CAUSE, 1, T0, null);
        var second = dlq.add(new Charge("b"), new MessageId(UUID.randomUUID(), MessageId.Kind.COMMAND, 2), null,
                Headers.empty(), 0, null, CAUSE, 1, T0, null);
        assertNotNull(second);
        assertNotNull(second.evicted(), "capacity 1: the second add evicts the first");
        assertEquals(List.of(second.entry()), dlq.list());
    }
}
