package org.llmgine.bus.store.jdbc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.llmgine.bus.MessageBus;
import org.llmgine.bus.codec.JsonCodec;
import org.llmgine.bus.codec.RestoredThrowable;
import org.llmgine.bus.message.Command;
import org.llmgine.bus.message.CommandResult;
import org.llmgine.bus.message.FailureCause;
import org.llmgine.bus.message.Headers;
import org.llmgine.bus.message.MessageId;
import org.llmgine.bus.resilience.DeadLetter;
import org.llmgine.bus.resilience.DeadLetterQueue;
import org.llmgine.bus.resilience.Pipeline;
import org.llmgine.bus.resilience.ReplayResult;
import org.llmgine.bus.resilience.ResiliencePolicy;

/**
 * The dead letter store on every supported database: entries survive a restart with their cause,
 * a reopened queue replays them through a new bus, and queues of different names keep apart.
 */
final class DeadLetterStoreTest {

    record Refund(String item) implements Command<String> {}

    static final JsonCodec CODEC = JsonCodec.builder().register("test.Refund", Refund.class).build();
    static final Instant T0 = Instant.parse("2026-12-01T07:00:00Z");
    static final Duration WAIT = Duration.ofSeconds(10);

    private volatile boolean broken = true;

    private MessageBus bus(DeadLetterQueue dlq, ManualClock clock) {
        var policy = ResiliencePolicy.builder().clock(clock).commands(Refund.class, Pipeline.of())
                .deadLetterQueue(dlq).build();
        var bus = policy.installOn(MessageBus.builder().name("refunds").clock(clock)).start();
        bus.registerCommand(Refund.class, (cmd, ctx) -> {
            if (broken) {
                throw new IllegalStateException("refused " + cmd.item());
            }
            return "refunded " + cmd.item();
        });
        return bus;
    }

    @ParameterizedTest
    @EnumSource(TestDatabase.class)
    void deadLetters_surviveARestart_andAReopenedQueueReplaysThem(TestDatabase kind) throws Exception {
        try (var db = kind.open()) {
            var clock = new ManualClock(T0);
            JdbcStores stores = JdbcStores.builder(db.dataSource()).codec(CODEC).build();
            var dlq = DeadLetterQueue.builder().clock(clock).store(stores.deadLetters("refunds")).build();
            try (var bus = bus(dlq, clock)) {
                for (String item : List.of("a", "b", "c")) {
                    assertInstanceOf(CommandResult.Failure.class, bus.openSession("chat-" + item)
                            .execute(new Refund(item), WAIT));
                    clock.advance(Duration.ofSeconds(1));
                }
            }
            List<DeadLetter> before = dlq.list();
            assertEquals(3, before.size());

            var reopened = DeadLetterQueue.builder().clock(clock).store(stores.deadLetters("refunds")).build();
            List<DeadLetter> after = reopened.list();
            assertEquals(before.stream().map(DeadLetter::id).toList(), after.stream().map(DeadLetter::id).toList(),
                    "the same entries in the same order");
            DeadLetter first = after.get(0);
            DeadLetter original = before.get(0);
            assertEquals(original.message(), first.message());
            assertEquals(original.messageId(), first.messageId());
            assertEquals(original.sessionId(), first.sessionId());
            assertEquals(original.headers(), first.headers());
            assertEquals(original.enqueuedAt(), first.enqueuedAt());
            assertEquals(original.lastFailure(), first.lastFailure());
            assertEquals(original.attempts(), first.attempts());
            var threw = assertInstanceOf(FailureCause.HandlerThrew.class, first.cause());
            var restored = assertInstanceOf(RestoredThrowable.class, threw.error());
            assertEquals(IllegalStateException.class.getName(), restored.originalClassName());
            assertEquals("refused a", restored.getMessage());
            assertEquals(List.of(first.id()), stores.deadLetters("refunds").bySession("chat-a").stream()
                    .map(DeadLetter::id).toList());
            assertEquals(List.of(), stores.deadLetters("other").pending(), "another queue's entries are its own");

            broken = false;
            var bus = bus(reopened, clock); // the new bus the reopened queue replays through
            try {
                bus.openSession("chat-a"); // the conversation is back: its dead letter replays into it
                ReplayResult result = reopened.replay(first.id());
                var replayed = assertInstanceOf(ReplayResult.Replayed.class, result, result::toString);
                assertEquals("refunded a", replayed.result().orThrow());
            } finally {
                bus.close();
            }
            assertEquals(Optional.empty(), stores.deadLetters("refunds").find(first.id()), "replayed: gone");
            assertTrue(reopened.purge(after.get(1).id()));
            assertEquals(List.of(after.get(2).id()), stores.deadLetters("refunds").pending().stream()
                    .map(DeadLetter::id).toList());
        }
    }

    @ParameterizedTest
    @EnumSource(TestDatabase.class)
    void aReplayClaim_keepsASecondInstanceOff_untilItsLeaseLapses(TestDatabase kind) throws Exception {
        try (var db = kind.open()) {
            var store = JdbcStores.builder(db.dataSource()).codec(CODEC).build().deadLetters("refunds");
            var id = new MessageId(UUID.fromString("00000000-0000-7000-8000-000000000003"), MessageId.Kind.DEAD_LETTER, 1);
            var cause = new FailureCause.RetriesExhausted(3, new FailureCause.TimedOut(Duration.ofSeconds(5)));
            store.add(new DeadLetter(id, new MessageId(id.origin(), MessageId.Kind.COMMAND, 9), new Refund("x"), null,
                    Headers.of("trace", "t"), 70, null, cause, 3, T0, T0.plusSeconds(2), T0.plusSeconds(2), null));
            UUID a = new UUID(3, 1);
            UUID b = new UUID(3, 2);
            assertTrue(store.claim(id, a, T0, T0.plusSeconds(60)));
            assertFalse(store.claim(id, b, T0.plusSeconds(59), T0.plusSeconds(119)));
            assertTrue(store.claim(id, b, T0.plusSeconds(61), T0.plusSeconds(121)));
            DeadLetter read = store.find(id).orElseThrow();
            assertEquals(cause, read.cause(), "a nested cause round trips");
            assertEquals(70, read.priority());
            assertTrue(store.cancel(id));
            assertFalse(store.cancel(id));
        }
    }
}
