package org.llmgine.bus.bridge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.llmgine.bus.MessageBus;
import org.llmgine.bus.OverflowStrategy;
import org.llmgine.bus.bridge.memory.InMemoryTransport;
import org.llmgine.bus.bridge.spi.TransportRecord;
import org.llmgine.bus.codec.JsonCodec;
import org.llmgine.bus.message.Event;

/** Two or three buses bridged over the in-memory transport. */
@SuppressWarnings("try") // bridges are kept open by try-with-resources
final class BridgeTest {

    record Said(String session, int n) implements Event {}

    record Local(int n) implements Event {}

    static final JsonCodec CODEC = JsonCodec.builder().register("said", Said.class).register("local", Local.class).build();
    private static final Duration WAIT = Duration.ofSeconds(20);

    static void await(BooleanSupplier condition, Supplier<String> what) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("within " + WAIT + ": " + what.get());
            }
            Thread.sleep(2);
        }
    }

    /** Per session, the numbers its handlers saw, in order; and every (session, n) seen, with duplicates. */
    static final class Seen {
        final Map<String, List<Integer>> bySession = new ConcurrentHashMap<>();
        final List<String> all = new CopyOnWriteArrayList<>();

        void add(Said s) {
            bySession.computeIfAbsent(s.session(), k -> new CopyOnWriteArrayList<>()).add(s.n());
            all.add(s.session() + "/" + s.n());
        }
    }

    @Test
    void eventsOfManySessions_reachTheOtherBus_inTheirSessions_inOrder_withTheirHeaders() throws Exception {
        var transport = InMemoryTransport.builder().reorderAcrossKeys(7).build();
        var seen = new Seen();
        var wrongSession = new CopyOnWriteArrayList<String>();
        var importedFrom = ConcurrentHashMap.<String>newKeySet();
        try (MessageBus a = MessageBus.builder().name("a").start(); MessageBus b = MessageBus.builder().name("b").start();
                Bridge out = Bridge.builder(a, transport, CODEC).route(Route.of(Said.class, "chat")).start();
                Bridge in = Bridge.builder(b, transport, CODEC).consume(Consume.broadcast("chat")).start()) {
            b.registerEventHandler(Said.class, (said, ctx) -> {
                if (!said.session().equals(ctx.sessionId())) {
                    wrongSession.add(said + " in " + ctx.sessionId());
                }
                ctx.headers().get(BridgeHeaders.IMPORTED_FROM).ifPresent(importedFrom::add);
                seen.add(said);
            });
            for (int n = 0; n < 200; n++) {
                for (int s = 0; s < 10; s++) {
                    a.getOrOpenSession("s" + s).publish(new Said("s" + s, n));
                }
            }
            await(() -> seen.all.size() >= 2_000, () -> "2,000 events on b, got " + seen.all.size());
            assertTrue(b.awaitIdle(WAIT));
            List<Integer> expected = new ArrayList<>();
            for (int n = 0; n < 200; n++) {
                expected.add(n);
            }
            for (int s = 0; s < 10; s++) {
                assertEquals(expected, seen.bySession.get("s" + s), "session s" + s + " in publish order");
            }
            assertEquals(List.of(), wrongSession);
            assertEquals(Set.of(a.instanceId().toString()), importedFrom, "imported events name their origin");
            assertEquals(2_000, out.stats().accepted());
            await(() -> out.stats().sent() == 2_000, () -> "2,000 acknowledged: " + out.stats());
            assertEquals(2_000, in.stats().republished());
            assertEquals(0, in.stats().duplicates() + in.stats().poison() + in.stats().returned());
            assertEquals(b.sessionIds().size(), 10, "the sessions were opened on b by id");
        }
    }

    @Test
    void redeliveredRecords_haveTheirEffectOnce_andAreCounted() throws Exception {
        var transport = InMemoryTransport.builder().duplicateEvery(3).build();
        var seen = new Seen();
        try (MessageBus a = MessageBus.builder().name("a").start(); MessageBus b = MessageBus.builder().name("b").start();
                Bridge out = Bridge.builder(a, transport, CODEC).route(Route.of(Said.class, "chat")).start();
                Bridge in = Bridge.builder(b, transport, CODEC).consume(Consume.broadcast("chat")).start()) {
            b.subscribe(Said.class, seen::add);
            for (int n = 0; n < 300; n++) {
                a.getOrOpenSession("s" + (n % 3)).publish(new Said("s" + (n % 3), n));
            }
            await(() -> in.stats().republished() + in.stats().duplicates() == transport.delivered(),
                    () -> "every delivery handled: " + in.stats() + ", delivered " + transport.delivered());
            await(() -> seen.all.size() == 300, () -> "300 effects, got " + seen.all.size());
            assertTrue(b.awaitIdle(WAIT));
            assertEquals(300, Set.copyOf(seen.all).size());
            assertEquals(300, seen.all.size(), "each event's effect once");
            assertTrue(in.stats().duplicates() >= 90, "every third delivery was a duplicate: " + in.stats());
            assertEquals(in.stats().received(), in.stats().republished() + in.stats().duplicates());
        }
    }

    @Test
    void aBusThatSendsAndConsumesOneTopic_skipsItsOwnRecords_andNeverSendsImportedEventsAgain() throws Exception {
        var transport = InMemoryTransport.create();
        var seenA = new Seen();
        var seenB = new Seen();
        try (MessageBus a = MessageBus.builder().name("a").start(); MessageBus b = MessageBus.builder().name("b").start();
                Bridge ba = Bridge.builder(a, transport, CODEC).route(Route.of(Said.class, "room"))
                        .consume(Consume.broadcast("room")).start();
                Bridge bb = Bridge.builder(b, transport, CODEC).route(Route.of(Said.class, "room"))
                        .consume(Consume.broadcast("room")).start()) {
            a.subscribe(Said.class, seenA::add);
            b.subscribe(Said.class, seenB::add);
            for (int n = 0; n < 50; n++) {
                a.getOrOpenSession("s").publish(new Said("s", n));
            }
            await(() -> seenB.all.size() == 50 && ba.stats().echoes() == 50,
                    () -> "b got a's 50 and a skipped its own 50: " + seenB.all.size() + ", " + ba.stats());
            assertTrue(a.awaitIdle(WAIT) && b.awaitIdle(WAIT));
            assertEquals(50, seenA.all.size(), "a saw its own events once, locally");
            assertEquals(0, bb.stats().accepted(), "b did not send a's events back: " + bb.stats());
            assertEquals(50, transport.size("room"), "only a's 50 records on the topic");
        }
    }

    @Test
    void competingConsumers_shareTheWork_eachRecordHandledOnce_andASessionStaysOnOneInstance() throws Exception {
        var transport = InMemoryTransport.builder().partitions(8).build();
        var byWorker = new ConcurrentHashMap<String, Set<String>>();
        var handled = new CopyOnWriteArrayList<String>();
        try (MessageBus producer = MessageBus.builder().name("producer").start();
                MessageBus w1 = MessageBus.builder().name("w1").start(); MessageBus w2 = MessageBus.builder().name("w2").start();
                Bridge out = Bridge.builder(producer, transport, CODEC).route(Route.of(Said.class, "jobs")).start();
                Bridge c1 = Bridge.builder(w1, transport, CODEC).consume(Consume.competing("workers", "jobs")).start();
                Bridge c2 = Bridge.builder(w2, transport, CODEC).consume(Consume.competing("workers", "jobs")).start()) {
            for (MessageBus w : List.of(w1, w2)) {
                w.subscribe(Said.class, s -> {
                    handled.add(s.session() + "/" + s.n());
                    byWorker.computeIfAbsent(s.session(), k -> ConcurrentHashMap.newKeySet()).add(w.name());
                });
            }
            for (int n = 0; n < 1_000; n++) {
                producer.getOrOpenSession("s" + (n % 40)).publish(new Said("s" + (n % 40), n));
            }
            await(() -> handled.size() >= 1_000, () -> "1,000 handled, got " + handled.size());
            assertTrue(w1.awaitIdle(WAIT) && w2.awaitIdle(WAIT));
            assertEquals(1_000, handled.size(), "each once");
            assertEquals(1_000, Set.copyOf(handled).size());
            assertTrue(c1.stats().republished() > 0 && c2.stats().republished() > 0,
                    "both workers took work: " + c1.stats().republished() + " and " + c2.stats().republished());
            byWorker.forEach((session, workers) -> assertEquals(1, workers.size(), session + " on one worker: " + workers));
        }
    }

    @Test
    void recordsAWorkerDidNotFinish_goToTheOtherWorker_whenItLeaves_nothingLost() throws Exception {
        // w1 hangs in a handler, its bridge leaves the group; what it already took into its bus still
        // finishes there (and is committed then); the rest goes to w2 from the committed offsets
        var transport = InMemoryTransport.builder().partitions(4).build();
        var handled = ConcurrentHashMap.<String>newKeySet();
        var stuck = new CountDownLatch(1);
        var w1Started = new AtomicInteger();
        try (MessageBus producer = MessageBus.builder().name("producer").start();
                MessageBus w1 = MessageBus.builder().name("w1").start(); MessageBus w2 = MessageBus.builder().name("w2").start();
                Bridge out = Bridge.builder(producer, transport, CODEC).route(Route.of(Said.class, "jobs")).start()) {
            w1.subscribe(Said.class, s -> {
                w1Started.incrementAndGet();
                stuck.await(WAIT.toSeconds(), TimeUnit.SECONDS); // a worker that hangs, then finishes what it had
                handled.add(s.session() + "/" + s.n());
            });
            w2.subscribe(Said.class, s -> handled.add(s.session() + "/" + s.n()));
            Bridge c1 = Bridge.builder(w1, transport, CODEC).consume(Consume.competing("workers", "jobs")).start();
            for (int n = 0; n < 100; n++) {
                producer.getOrOpenSession("s" + (n % 4)).publish(new Said("s" + (n % 4), n));
            }
            await(() -> w1Started.get() >= 4, () -> "w1 stuck in its sessions: " + w1Started.get());
            long committedBefore = 100 - transport.lag("jobs", "workers");
            c1.close(); // w1's bridge leaves the group with its records not done
            stuck.countDown();
            try (Bridge c2 = Bridge.builder(w2, transport, CODEC).consume(Consume.competing("workers", "jobs")).start()) {
                await(() -> handled.size() == 100, () -> "every record handled, by w1 before it left or by w2, got "
                        + handled.size());
                await(() -> transport.lag("jobs", "workers") == 0, () -> "everything committed");
            }
            assertEquals(0, committedBefore, "w1 finished nothing, so nothing was committed");
        }
    }

    @Test
    void aSlowBus_pausesTheSubscription_theBacklogStaysOnTheTransport_andEverythingArrivesAfter() throws Exception {
        var transport = InMemoryTransport.builder().partitions(1).build();
        var gate = new CountDownLatch(1);
        var handled = new AtomicInteger();
        try (MessageBus a = MessageBus.builder().name("a").start();
                MessageBus slow = MessageBus.builder().name("slow").queueCapacity(100).overflowStrategy(OverflowStrategy.REJECT_NEW)
                        .waterMarks(0.8, 0.2).start();
                Bridge out = Bridge.builder(a, transport, CODEC).route(Route.of(Said.class, "firehose")).start();
                Bridge in = Bridge.builder(slow, transport, CODEC).consume(Consume.broadcast("firehose")).pauseAt(50).start()) {
            slow.subscribe(Said.class, s -> {
                gate.await(WAIT.toSeconds(), TimeUnit.SECONDS);
                handled.incrementAndGet();
            });
            for (int n = 0; n < 2_000; n++) {
                a.publish(new Said("bus", n));
            }
            await(() -> out.stats().sent() == 2_000, () -> "all sent: " + out.stats());
            await(() -> in.stats().paused(), () -> "the subscription paused: " + in.stats());
            long backlog = transport.lag("firehose", "llmgine-broadcast-" + slow.instanceId());
            assertTrue(backlog > 1_000, "the transport keeps the backlog: " + backlog);
            int reserve = slow.config().lifecycleReserve(); // BackpressureChanged itself takes a reserved slot
            assertTrue(slow.stats().queue().largestSize() <= 100 + reserve,
                    "the bus's queue within its capacity and lifecycle reserve: " + slow.stats().queue());
            assertTrue(in.stats().received() < 2_000, "not everything fetched while paused: " + in.stats());
            gate.countDown();
            await(() -> handled.get() == 2_000, () -> "all 2,000 handled after the pause, got " + handled.get());
            assertFalse(in.stats().paused());
            assertEquals(2_000, in.stats().republished());
        }
    }

    @Test
    void aRecordThatDoesNotDecode_isReportedAsPoison_andItsPartitionMovesOn() throws Exception {
        var transport = InMemoryTransport.builder().partitions(1).build();
        var seen = new Seen();
        var reported = new CopyOnWriteArrayList<PoisonRecord>();
        try (MessageBus b = MessageBus.builder().name("b").start();
                Bridge in = Bridge.builder(b, transport, CODEC).consume(Consume.broadcast("chat")).onPoison(reported::add)
                        .start()) {
            b.subscribe(Said.class, seen::add);
            transport.send(new TransportRecord("chat", "s", Map.of(BridgeHeaders.MESSAGE_ID, "x-1", BridgeHeaders.TYPE,
                    "no-such-type"), "{}")).join();
            transport.send(new TransportRecord("chat", "s", Map.of(BridgeHeaders.MESSAGE_ID, "x-2", BridgeHeaders.TYPE,
                    "said"), "{not json")).join();
            transport.send(new TransportRecord("chat", "s", Map.of(BridgeHeaders.MESSAGE_ID, "x-3", BridgeHeaders.TYPE,
                    "said", BridgeHeaders.SESSION, "s"), "{\"session\":\"s\",\"n\":7}")).join();
            await(() -> seen.all.size() == 1, () -> "the good record behind the bad ones arrived");
            assertEquals(2, reported.size());
            assertTrue(reported.get(0).reason().contains("no-such-type"), reported.get(0).reason());
            assertEquals(2, in.stats().poison());
            assertEquals(in.poison(), reported);
            await(() -> transport.lag("chat", "llmgine-broadcast-" + b.instanceId()) == 0, () -> "all committed");
        }
    }

    @Test
    void aFullInMemoryBuffer_countsAndReportsItsOverflow() throws Exception {
        var gated = new GatedTransport(InMemoryTransport.create());
        try (MessageBus a = MessageBus.builder().name("a").start();
                Bridge out = Bridge.builder(a, gated, CODEC).route(Route.of(Said.class, "chat")).bufferCapacity(10)
                        .closeGrace(Duration.ZERO).start()) {
            for (int n = 0; n < 300; n++) {
                a.publish(new Said("bus", n));
            }
            assertTrue(a.awaitIdle(WAIT));
            BridgeStats stats = out.stats();
            assertTrue(stats.overflowed() > 0, "overflow counted: " + stats);
            assertEquals(300, stats.accepted() + stats.overflowed(), "every selected event accepted or overflowed: " + stats);
            gated.open();
            await(() -> out.stats().sent() == out.stats().accepted(), () -> "what was accepted is sent: " + out.stats());
        }
    }

    @Test
    void unroutedEventsStayLocal() throws Exception {
        var transport = InMemoryTransport.create();
        try (MessageBus a = MessageBus.builder().name("a").start();
                Bridge out = Bridge.builder(a, transport, CODEC).route(Route.of(Said.class, "chat")
                        .when(e -> ((Said) e).n() % 2 == 0)).start()) {
            a.subscribe(Local.class, l -> { });
            a.publish(new Local(1));
            for (int n = 0; n < 10; n++) {
                a.publish(new Said("bus", n));
            }
            assertTrue(a.awaitIdle(WAIT));
            await(() -> out.stats().sent() == 5, () -> "the 5 even ones sent: " + out.stats());
            assertEquals(5, transport.size("chat"));
        }
    }
}
