package org.llmgine.bus.resilience;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.llmgine.bus.resilience.DeadLetterFixtures.T0;
import static org.llmgine.bus.resilience.DeadLetterFixtures.WAIT;
import static org.llmgine.bus.resilience.DeadLetterFixtures.WAIT_SECONDS;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.llmgine.bus.MessageBus;
import org.llmgine.bus.MessageScope;
import org.llmgine.bus.OverflowStrategy;
import org.llmgine.bus.PublishOutcome;
import org.llmgine.bus.handler.HandlerOptions;
import org.llmgine.bus.message.FailureCause;
import org.llmgine.bus.message.Message;
import org.llmgine.bus.message.MessageId;
import org.llmgine.bus.resilience.DeadLetterFixtures.Audited;

/**
 * With {@code deadLetterDropped(true)}, the events DROP_OLDEST evicts before any handler ran go to
 * the dead letter queue for every handler ({@link DeadLetter#ALL_HANDLERS}); replaying one
 * publishes it to every handler again.
 */
final class DeadLetterDroppedTest {

    private static final int CAPACITY = 2;

    private final ManualClock clock = new ManualClock(T0);
    private final DeadLetterQueue dlq = DeadLetterQueue.builder().clock(clock).build();
    /** Counted down by the audit handler when it starts on "e1". */
    private final CountDownLatch firstStarted = new CountDownLatch(1);
    /** The audit handler holds "e1" until this opens, so later events pile up behind it. */
    private final CountDownLatch unblock = new CountDownLatch(1);
    private final List<String> audited = new CopyOnWriteArrayList<>();
    private final List<String> counted = new CopyOnWriteArrayList<>();

    /** A bus with a queue of {@link #CAPACITY} under DROP_OLDEST, and two handlers of {@link Audited}. */
    private MessageBus bus(boolean deadLetterDropped) {
        var resilience = ResiliencePolicy.builder().clock(clock).deadLetterQueue(dlq)
                .deadLetterDropped(deadLetterDropped).build();
        var bus = resilience.installOn(MessageBus.builder().name("dropping").clock(clock).queueCapacity(CAPACITY)
                .overflowStrategy(OverflowStrategy.DROP_OLDEST)).start();
        bus.subscribe(Audited.class, HandlerOptions.named("audit"), event -> {
            audited.add(event.what());
            if (event.what().equals("e1")) {
                firstStarted.countDown();
                unblock.await(WAIT_SECONDS, TimeUnit.SECONDS);
            }
        });
        bus.subscribe(Audited.class, HandlerOptions.named("count"), event -> counted.add(event.what()));
        return bus;
    }

    /**
     * Publishes e1, waits until its handler holds it, then publishes e2..e5 into the full queue
     * (each evicts the one before it, which never started), and lets the handler go.
     *
     * @return the ids of e1..e5
     */
    private List<MessageId> overflow(MessageBus bus, MessageScope scope) throws Exception {
        var ids = new ArrayList<MessageId>();
        ids.add(assertInstanceOf(PublishOutcome.Accepted.class, scope.publish(new Audited("e1"))).eventId());
        assertTrue(firstStarted.await(WAIT_SECONDS, TimeUnit.SECONDS), "the handler did not start on e1");
        for (int i = 2; i <= 5; i++) {
            var outcome = scope.publish(new Audited("e" + i));
            ids.add(assertInstanceOf(PublishOutcome.Accepted.class, outcome, "DROP_OLDEST accepts e" + i).eventId());
        }
        unblock.countDown();
        assertTrue(bus.awaitIdle(WAIT), "the bus did not become idle");
        return ids;
    }

    private static List<Message> messages(List<DeadLetter> entries) {
        return entries.stream().map(DeadLetter::message).toList();
    }

    @Test
    void droppedEvents_areDeadLetteredForEveryHandler_andReplayingOneDeliversItToEveryHandler() throws Exception {
        try (var bus = bus(true)) {
            List<MessageId> ids = overflow(bus, bus);

            assertEquals(List.of("e1", "e5"), audited, "e2..e4 were evicted before any handler ran");
            assertEquals(3, bus.stats().events().dropped());
            List<DeadLetter> entries = dlq.list();
            assertEquals(List.of(new Audited("e2"), new Audited("e3"), new Audited("e4")), messages(entries));
            assertEquals(ids.subList(1, 4), entries.stream().map(DeadLetter::messageId).toList());
            for (DeadLetter entry : entries) {
                assertEquals(DeadLetter.ALL_HANDLERS, entry.handler());
                assertTrue(entry.isEvent());
                assertEquals(0, entry.attempts(), "no handler ran it");
                assertInstanceOf(FailureCause.Rejected.class, entry.cause());
                assertNull(entry.sessionId());
            }

            var replayed = assertInstanceOf(ReplayResult.Replayed.class, dlq.replay(entries.get(1).id()));

            assertTrue(replayed.result().isSuccess(), replayed.toString());
            assertTrue(bus.awaitIdle(WAIT));
            assertEquals(List.of("e1", "e5", "e3"), audited, "the replay reached the audit handler");
            assertEquals(List.of("e1", "e5", "e3"), counted, "and the other handler too");
            assertEquals(List.of(entries.get(0), entries.get(2)), dlq.list());
        }
    }

    @Test
    void droppedEventsOfASession_keepTheirSession_andAreReplayedInIt() throws Exception {
        try (var bus = bus(true)) {
            var session = bus.openSession("chat-7");

            overflow(bus, session);

            List<DeadLetter> entries = dlq.bySession("chat-7");
            assertEquals(List.of(new Audited("e2"), new Audited("e3"), new Audited("e4")), messages(entries));
            var replayed = assertInstanceOf(ReplayResult.Replayed.class, dlq.replay(entries.get(0).id()));
            assertTrue(replayed.result().isSuccess(), replayed.toString());
            assertTrue(bus.awaitIdle(WAIT));
            assertEquals(List.of("e1", "e5", "e2"), audited);
        }
    }

    @Test
    void withoutDeadLetterDropped_droppedEventsAreOnlyCounted() throws Exception {
        try (var bus = bus(false)) {
            overflow(bus, bus);

            assertEquals(3, bus.stats().events().dropped());
            assertEquals(0, dlq.size(), dlq.list().toString());
        }
    }
}
