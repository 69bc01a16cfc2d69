package org.llmgine.bus;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.longs;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.llmgine.bus.message.Event;
import org.llmgine.bus.message.MessageId;

/** Message ids: unique across buses, time-ordered across restarts, a text form that reads back. */
final class MessageIdTest {

    record Ping(int n) implements Event {}

    @Test
    void idsFromTwoBusesNeverCollide_andFollowAcceptanceOrderWithinOne() throws Exception {
        var ids = new ArrayList<MessageId>();
        for (int b = 0; b < 2; b++) {
            try (var bus = MessageBus.builder().name("same-name").start()) { // even with the same name
                var mine = new ArrayList<MessageId>();
                for (int i = 0; i < 100; i++) {
                    mine.add(((PublishOutcome.Accepted) bus.publish(new Ping(i))).eventId());
                }
                assertEquals(mine.stream().sorted().toList(), mine, "ids increase in acceptance order");
                ids.addAll(mine);
            }
        }
        assertEquals(ids.size(), new HashSet<>(ids).size(), "no id repeats across buses");
    }

    @Test
    void aBusBuiltLater_sortsAfter() {
        UUID earlier = MessageId.newOrigin(1_700_000_000_000L);
        UUID later = MessageId.newOrigin(1_700_000_000_001L);
        assertTrue(new MessageId(earlier, MessageId.Kind.EVENT, 999).compareTo(new MessageId(later, MessageId.Kind.EVENT, 1)) < 0);
        assertEquals(7, later.version());
    }

    @Test
    void theTextFormReadsBack() {
        qt().forAll(longs().between(1, Long.MAX_VALUE)).checkAssert(sequence -> {
            for (MessageId.Kind kind : MessageId.Kind.values()) {
                var id = new MessageId(MessageId.newOrigin(System.currentTimeMillis()), kind, sequence);
                assertEquals(id, MessageId.parse(id.toString()));
            }
        });
    }

    @Test
    void badTextAndValues_areClearErrors() {
        for (String bad : List.of("", "x", "/e1", "not-a-uuid/e1", UUID.randomUUID() + "/x1", UUID.randomUUID() + "/e",
                UUID.randomUUID() + "/e-")) {
            var error = assertThrows(IllegalArgumentException.class, () -> MessageId.parse(bad));
            assertTrue(error.getMessage().contains("'" + bad + "'"), error.getMessage());
        }
        var zero = assertThrows(IllegalArgumentException.class, () -> new MessageId(UUID.randomUUID(), MessageId.Kind.EVENT, 0));
        assertEquals("message id sequence must be at least 1, but was 0", zero.getMessage());
    }
}
