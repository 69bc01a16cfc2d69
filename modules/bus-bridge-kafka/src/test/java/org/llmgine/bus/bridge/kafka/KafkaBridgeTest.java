package org.llmgine.bus.bridge.kafka;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.llmgine.bus.MessageBus;
import org.llmgine.bus.OverflowStrategy;
import org.llmgine.bus.bridge.Bridge;
import org.llmgine.bus.bridge.BridgeHeaders;
import org.llmgine.bus.bridge.Consume;
import org.llmgine.bus.bridge.PoisonRecord;
import org.llmgine.bus.bridge.Route;
import org.llmgine.bus.bridge.spi.TransportRecord;
import org.llmgine.bus.codec.JsonCodec;
import org.llmgine.bus.message.Command;
import org.llmgine.bus.message.CommandResult;
import org.llmgine.bus.message.Event;
import org.llmgine.bus.message.FailureCause;

/** Buses bridged over a real Kafka broker (one per class, in a child JVM). */
@SuppressWarnings("try") // bridges and transports are kept open by try-with-resources
final class KafkaBridgeTest {

    record Said(String session, int n) implements Event {}

    record Answer(String text) {}

    record Ask(String prompt) implements Command<Answer> {}

    static final JsonCodec CODEC = JsonCodec.builder().register("said", Said.class).register("ask", Ask.class)
            .register("answer", Answer.class).build();
    private static final Duration WAIT = Duration.ofSeconds(60);
    private static KafkaBroker broker;

    @BeforeAll
    static void startBroker() throws Exception {
        broker = KafkaBroker.start(4);
    }

    @AfterAll
    static void stopBroker() throws Exception {
        if (broker != null) {
            broker.close();
        }
    }

    private static KafkaTransport transport() {
        return KafkaTransport.builder(broker.bootstrapServers()).build();
    }

    private static KafkaTransport transport(Map<String, ?> consumerConfig) {
        return KafkaTransport.builder(broker.bootstrapServers()).consumerConfig(consumerConfig).build();
    }

    static void await(BooleanSupplier condition, Supplier<String> what) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("within " + WAIT + ": " + what.get());
            }
            Thread.sleep(5);
        }
    }

    private static String topic(String name) {
        return name + "-" + UUID.randomUUID();
    }

    @Test
    void eventsOfManySessions_crossTheBroker_inTheirSessions_inOrder_eachOnce() throws Exception {
        String topic = topic("chat");
        broker.createTopic(topic, 4);
        Map<String, List<Integer>> bySession = new ConcurrentHashMap<>();
        List<String> all = new CopyOnWriteArrayList<>();
        try (KafkaTransport out = transport(); KafkaTransport in = transport();
                MessageBus a = MessageBus.builder().name("a").start(); MessageBus b = MessageBus.builder().name("b").start();
                Bridge sender = Bridge.builder(a, out, CODEC).route(Route.of(Said.class, topic)).start();
                Bridge receiver = Bridge.builder(b, in, CODEC).consume(Consume.broadcast(topic)).start()) {
            b.registerEventHandler(Said.class, (s, ctx) -> {
                bySession.computeIfAbsent(String.valueOf(ctx.sessionId()), k -> new CopyOnWriteArrayList<>()).add(s.n());
                all.add(s.session() + "/" + s.n());
            });
            for (int n = 0; n < 500; n++) {
                for (int s = 0; s < 20; s++) {
                    a.getOrOpenSession("s" + s).publish(new Said("s" + s, n));
                }
            }
            await(() -> all.size() >= 10_000, () -> "10,000 events across, got " + all.size() + "; " + receiver.stats());
            assertTrue(b.awaitIdle(WAIT));
            List<Integer> expected = new ArrayList<>();
            for (int n = 0; n < 500; n++) {
                expected.add(n);
            }
            for (int s = 0; s < 20; s++) {
                assertEquals(expected, bySession.get("s" + s), "session s" + s + " in publish order, in its session");
            }
            assertEquals(10_000, Set.copyOf(all).size());
            assertEquals(10_000, sender.stats().sent());
            await(() -> lag(topic, "llmgine-broadcast-" + b.instanceId()) == 0, () -> "every record committed");
        }
    }

    @Test
    void aHandlerLongerThanMaxPollInterval_causesNoRebalance_andNoDuplicate() throws Exception {
        String topic = topic("slow");
        broker.createTopic(topic, 2);
        var handled = new AtomicInteger();
        // max.poll.interval.ms at 2 s; each handler takes 3 s: a consumer whose thread ran the
        // handlers would leave the group and its records would be delivered again
        Map<String, Object> tight = Map.of("max.poll.interval.ms", 2_000, "session.timeout.ms", 6_000,
                "heartbeat.interval.ms", 500);
        try (KafkaTransport out = transport(); KafkaTransport in = transport(tight);
                MessageBus a = MessageBus.builder().name("a").start(); MessageBus b = MessageBus.builder().name("b").start();
                Bridge sender = Bridge.builder(a, out, CODEC).route(Route.of(Said.class, topic)).start();
                Bridge receiver = Bridge.builder(b, in, CODEC).consume(Consume.competing("slow-workers", topic)).start()) {
            b.subscribe(Said.class, s -> {
                Thread.sleep(3_000); // the handler's own work, minutes in production; not test time passing
                handled.incrementAndGet();
            });
            for (int n = 0; n < 4; n++) {
                a.getOrOpenSession("s" + n).publish(new Said("s" + n, n));
            }
            await(() -> handled.get() == 4, () -> "the 4 slow handlers ran: " + handled.get());
            await(() -> lag(topic, "slow-workers") == 0, () -> "committed after the slow handlers");
            assertEquals(4, receiver.stats().received(), "no record delivered twice: " + receiver.stats());
            assertEquals(0, receiver.stats().duplicates());
        }
    }

    @Test
    void aSlowBus_pausesItsPartitions_theBrokerKeepsTheBacklog_andEverythingArrivesAfter() throws Exception {
        String topic = topic("firehose");
        broker.createTopic(topic, 2);
        var gate = new CountDownLatch(1);
        var handled = new AtomicInteger();
        try (KafkaTransport out = transport(); KafkaTransport in = transport(Map.of("max.poll.records", 50));
                MessageBus a = MessageBus.builder().name("a").start();
                MessageBus slow = MessageBus.builder().name("slow").queueCapacity(100)
                        .overflowStrategy(OverflowStrategy.REJECT_NEW).waterMarks(0.8, 0.2).start();
                Bridge sender = Bridge.builder(a, out, CODEC).route(Route.of(Said.class, topic)).start();
                Bridge receiver = Bridge.builder(slow, in, CODEC).consume(Consume.competing("slow-bus", topic))
                        .pauseAt(100).start()) {
            slow.subscribe(Said.class, s -> {
                gate.await(WAIT.toSeconds(), TimeUnit.SECONDS);
                handled.incrementAndGet();
            });
            for (int n = 0; n < 5_000; n++) {
                a.getOrOpenSession("s" + (n % 2)).publish(new Said("s" + (n % 2), n));
            }
            await(() -> sender.stats().sent() == 5_000, () -> "all sent: " + sender.stats());
            await(() -> receiver.stats().paused(), () -> "the partitions paused: " + receiver.stats());
            long backlog = lag(topic, "slow-bus");
            assertTrue(backlog > 4_000, "the broker keeps the backlog: " + backlog + "; " + receiver.stats());
            assertTrue(receiver.stats().received() < 1_000, "little fetched while paused: " + receiver.stats());
            assertTrue(slow.stats().queue().largestSize() <= 100 + slow.config().lifecycleReserve(),
                    "the bus's queue within its capacity: " + slow.stats().queue());
            gate.countDown();
            await(() -> handled.get() == 5_000, () -> "all 5,000 handled after the pause, got " + handled.get());
            await(() -> lag(topic, "slow-bus") == 0, () -> "everything committed");
            assertFalse(receiver.stats().paused());
        }
    }

    @Test
    void aPoisonRecord_isReported_andItsPartitionMovesOn() throws Exception {
        String topic = topic("poison");
        broker.createTopic(topic, 1);
        var reported = new CopyOnWriteArrayList<PoisonRecord>();
        List<Integer> seen = new CopyOnWriteArrayList<>();
        try (KafkaTransport raw = transport(); KafkaTransport in = transport();
                MessageBus b = MessageBus.builder().name("b").start();
                Bridge receiver = Bridge.builder(b, in, CODEC).consume(Consume.competing("poison-readers", topic))
                        .onPoison(reported::add).start()) {
            b.subscribe(Said.class, s -> seen.add(s.n()));
            raw.send(new TransportRecord(topic, "s", Map.of(BridgeHeaders.MESSAGE_ID, "p-1", BridgeHeaders.TYPE,
                    "no-such-type"), "{}")).get(30, TimeUnit.SECONDS);
            raw.send(new TransportRecord(topic, "s", Map.of(BridgeHeaders.MESSAGE_ID, "p-2", BridgeHeaders.TYPE, "said",
                    BridgeHeaders.SESSION, "s"), "{\"session\":\"s\",\"n\":1}")).get(30, TimeUnit.SECONDS);
            await(() -> seen.equals(List.of(1)), () -> "the record behind the poison arrived: " + seen);
            assertEquals(1, reported.size());
            assertTrue(reported.get(0).reason().contains("no-such-type"), reported.get(0).reason());
            await(() -> lag(topic, "poison-readers") == 0, () -> "the partition committed past the poison");
        }
    }

    @Test
    void commandsCrossTheBroker_toCompetingServers_eachCallGetsItsTypedResultOrFailure() throws Exception {
        String requests = topic("model-calls");
        broker.createTopic(requests, 4);
        var servedBy = new ConcurrentHashMap<String, String>();
        try (KafkaTransport t1 = transport(); KafkaTransport t2 = transport(); KafkaTransport t3 = transport();
                MessageBus caller = MessageBus.builder().name("caller").start();
                MessageBus w1 = MessageBus.builder().name("w1").start(); MessageBus w2 = MessageBus.builder().name("w2").start();
                Bridge call = Bridge.builder(caller, t1, CODEC).commandRoute(Ask.class, requests).start();
                Bridge s1 = Bridge.builder(w1, t2, CODEC).serveCommands("model-workers", requests).start();
                Bridge s2 = Bridge.builder(w2, t3, CODEC).serveCommands("model-workers", requests).start()) {
            for (MessageBus w : List.of(w1, w2)) {
                w.registerCommand(Ask.class, (cmd, ctx) -> {
                    servedBy.put(cmd.prompt(), w.name());
                    if (cmd.prompt().equals("fail")) {
                        throw new IllegalArgumentException("refused: " + cmd.prompt());
                    }
                    return new Answer("re: " + cmd.prompt());
                });
            }
            List<CompletableFuture<CommandResult<Answer>>> calls = new ArrayList<>();
            for (int i = 0; i < 500; i++) {
                calls.add(call.execute(new Ask("q" + i), "s" + (i % 50), WAIT));
            }
            for (int i = 0; i < 500; i++) {
                assertEquals(new Answer("re: q" + i), calls.get(i).get(WAIT.toSeconds(), TimeUnit.SECONDS).orThrow());
            }
            CommandResult<Answer> failed = call.execute(new Ask("fail"), "s0", WAIT).get(WAIT.toSeconds(), TimeUnit.SECONDS);
            assertTrue(((CommandResult.Failure<Answer>) failed).cause() instanceof FailureCause.HandlerThrew threw
                    && threw.error().getMessage().equals("refused: fail"), failed::toString);
            assertEquals(501, servedBy.size());
            assertEquals(501, s1.stats().commands().served() + s2.stats().commands().served(), "each request served once");
            assertEquals(0, call.stats().commands().late());
        }
    }

    private static long lag(String topic, String group) {
        try {
            return broker.lag(topic, group);
        } catch (Exception e) {
            return -1;
        }
    }
}
