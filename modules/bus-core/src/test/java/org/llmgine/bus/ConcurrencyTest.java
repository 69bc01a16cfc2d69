package org.llmgine.bus;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import org.junit.jupiter.api.Test;
import org.llmgine.bus.handler.HandlerOptions;
import org.llmgine.bus.handler.Priority;
import org.llmgine.bus.message.Command;
import org.llmgine.bus.message.Event;
import org.llmgine.bus.message.HandlerFailed;
import org.llmgine.bus.spi.BusObserver;
import org.llmgine.bus.spi.MessageView;

/**
 * Many publishers, sessions and events at once, with backpressure, failures and commands mixed in.
 * The assertions are invariants (counts, order, isolation), never timings.
 */
final class ConcurrencyTest {

    record Tick(String session, int seq) implements Event {}

    record Lookup(int n) implements Command<Integer> {}

    private static final int PUBLISHERS = 4;
    private static final int SESSIONS = 16;
    private static final int EVENTS_PER_SESSION = 1_000;

    @Test
    void sixteenThousandEvents_sixteenSessions_fourPublishers_keepEveryInvariant() throws Exception {
        var maxQueue = new AtomicInteger();
        BusObserver queueWatch = new BusObserver() {
            @Override
            public void onAccepted(MessageView type, int queueSize) {
                maxQueue.accumulateAndGet(queueSize, Math::max);
            }
        };
        int capacity = 512;
        var bus = MessageBus.builder().name("concurrency").queueCapacity(capacity)
                .publishTimeout(Duration.ofSeconds(30)).addObserver(queueWatch).start();
        Map<String, List<Integer>> perSession = new ConcurrentHashMap<>();
        Map<String, List<Integer>> seenByBus = new ConcurrentHashMap<>();
        var leaks = new LongAdder();
        var failuresSeen = new LongAdder();
        var busHandlerCalls = new LongAdder();
        bus.registerEventHandler(Tick.class, HandlerOptions.priority(Priority.HIGH), (tick, ctx) -> {
            busHandlerCalls.increment();
            seenByBus.computeIfAbsent(tick.session(), k -> new ArrayList<>()).add(tick.seq());
        });
        bus.subscribe(HandlerFailed.class, f -> failuresSeen.increment());
        bus.registerCommand(Lookup.class, (cmd, ctx) -> cmd.n() * 2);

        List<Session> sessions = new ArrayList<>();
        for (int s = 0; s < SESSIONS; s++) {
            Session session = bus.openSession("session-" + s);
            sessions.add(session);
            String id = session.id();
            perSession.put(id, new ArrayList<>());
            session.registerEventHandler(Tick.class, (tick, ctx) -> {
                if (!tick.session().equals(id) || !id.equals(ctx.sessionId())) {
                    leaks.increment();
                }
                perSession.get(id).add(tick.seq());
                if (tick.seq() % 97 == 0) {
                    throw new IllegalStateException("chaos at " + tick);
                }
            });
        }

        var commandErrors = new ConcurrentLinkedQueue<String>();
        DeliveryPropertiesTest.runConcurrently(PUBLISHERS, p -> {
            // publisher p owns sessions p, p+4, p+8, p+12 and interleaves them
            for (int seq = 0; seq < EVENTS_PER_SESSION; seq++) {
                for (int s = p; s < SESSIONS; s += PUBLISHERS) {
                    Session session = sessions.get(s);
                    PublishOutcome outcome = session.publish(new Tick(session.id(), seq));
                    if (!outcome.isAccepted()) {
                        throw new AssertionError("rejected under BLOCK with a 30 s timeout: " + outcome);
                    }
                }
                if (seq % 100 == 0) {
                    var result = sessions.get(p).execute(new Lookup(seq));
                    if (!result.equals(org.llmgine.bus.message.CommandResult.success(seq * 2))) {
                        commandErrors.add(result.toString());
                    }
                }
            }
        });
        assertTrue(bus.awaitIdle(Duration.ofSeconds(60)), "the bus did not drain");

        int total = SESSIONS * EVENTS_PER_SESSION;
        var expected = java.util.stream.IntStream.range(0, EVENTS_PER_SESSION).boxed().toList();
        perSession.forEach((id, seqs) -> assertEquals(expected, seqs, "FIFO and exactly-once in " + id));
        seenByBus.forEach((id, seqs) -> assertEquals(expected, seqs, "bus handler, FIFO per session " + id));
        assertEquals(SESSIONS, seenByBus.size());
        assertEquals(0, leaks.sum(), "a session handler saw another session's event");
        assertEquals(total, busHandlerCalls.sum());
        assertEquals(List.of(), List.copyOf(commandErrors));
        int failing = SESSIONS * (int) java.util.stream.IntStream.range(0, EVENTS_PER_SESSION).filter(i -> i % 97 == 0).count();
        // a HandlerFailed never waits for room: under this saturation some are rejected, and counted
        assertEquals(failing, failuresSeen.sum() + bus.stats().events().lifecycleRejected());
        int reserve = bus.config().lifecycleReserve();
        assertTrue(maxQueue.get() <= capacity + reserve, "queue held " + maxQueue.get());

        BusStats stats = bus.stats();
        assertEquals(stats.events().published(), stats.events().accepted() + stats.events().rejected() + stats.events().filtered());
        assertEquals(stats.events().accepted(), stats.events().delivered());
        assertEquals(total + failuresSeen.sum(), stats.events().accepted(), "ticks plus the HandlerFailed events queued");
        assertEquals(stats.events().lifecycleRejected(), stats.events().rejected());
        assertEquals(failing, stats.events().handlerFailures());
        assertEquals(PUBLISHERS * (EVENTS_PER_SESSION / 100), stats.commands().executed());
        sessions.forEach(Session::close);
        assertTrue(bus.close(Duration.ofSeconds(10)).clean());
    }
}
