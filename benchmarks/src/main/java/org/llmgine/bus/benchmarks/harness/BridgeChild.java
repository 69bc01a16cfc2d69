package org.llmgine.bus.benchmarks.harness;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;
import org.HdrHistogram.Recorder;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.llmgine.bus.MessageBus;
import org.llmgine.bus.bridge.Bridge;
import org.llmgine.bus.bridge.Consume;
import org.llmgine.bus.bridge.kafka.KafkaTransport;
import org.llmgine.bus.codec.JsonCodec;
import org.llmgine.bus.message.Command;
import org.llmgine.bus.message.Event;

/**
 * The receiving JVM of the bridge scenario ({@link BridgeScenario}). Modes:
 * {@code plain-events|bridge-events <bootstrap> <topic> <count>} receive {@code count} events
 * (after a warm-up record, announced by {@code READY}) and print
 * {@code RESULT <count> <first-to-last nanos> <p50 us> <p99 us>} of publish-to-handler latency;
 * {@code plain-echo <bootstrap> <requests> <replies>} and {@code bridge-serve <bootstrap> <requests>}
 * answer requests until stdin closes.
 */
@SuppressWarnings("try") // the bridges are held open by try-with-resources
public final class BridgeChild {

    /**
     * A benchmark event.
     *
     * @param sentMicros when it was published, epoch microseconds
     * @param n its number (negative: a warm-up)
     * @param text a payload
     */
    public record Sent(long sentMicros, int n, String text) implements Event {}

    /**
     * A benchmark command: answered with its number plus one.
     *
     * @param n the number
     */
    public record Echo(int n) implements Command<Integer> {}

    static final JsonCodec CODEC = JsonCodec.builder().register("bench.sent", Sent.class)
            .register("bench.echo", Echo.class).build();

    private BridgeChild() {
    }

    /** Now, in microseconds since the epoch (both JVMs read the same clock). */
    static long nowMicros() {
        Instant now = Instant.now();
        return now.getEpochSecond() * 1_000_000L + now.getNano() / 1_000;
    }

    /**
     * Runs a mode.
     *
     * @param args see the class
     * @throws Exception if it fails
     */
    public static void main(String[] args) throws Exception {
        Thread.ofPlatform().daemon().start(() -> {
            try {
                while (System.in.read() >= 0) {
                    // wait for the parent to close the pipe
                }
            } catch (Exception e) {
                // gone all the same
            }
            Runtime.getRuntime().halt(0);
        });
        String bootstrap = args[1];
        switch (args[0]) {
            case "plain-events" -> plainEvents(bootstrap, args[2], Integer.parseInt(args[3]));
            case "bridge-events" -> bridgeEvents(bootstrap, args[2], Integer.parseInt(args[3]));
            case "plain-echo" -> plainEcho(bootstrap, args[2], args[3]);
            case "bridge-serve" -> bridgeServe(bootstrap, args[2]);
            default -> throw new IllegalArgumentException("unknown mode " + args[0]);
        }
    }

    static Properties consumerProps(String bootstrap) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ConsumerConfig.GROUP_ID_CONFIG, "plain-" + UUID.randomUUID());
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        return p;
    }

    static Properties producerProps(String bootstrap) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        p.put(ProducerConfig.LINGER_MS_CONFIG, 1);
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        return p;
    }

    private static final class Tally {
        final Recorder latency = new Recorder(60_000_000L, 3);
        final AtomicLong count = new AtomicLong();
        volatile long first;
        volatile long last;
        final CountDownLatch ready = new CountDownLatch(1);
        final CountDownLatch done = new CountDownLatch(1);
        final int expected;

        Tally(int expected) {
            this.expected = expected;
        }

        void warm() {
            ready.countDown();
        }

        void record(long sentMicros) {
            long now = System.nanoTime();
            latency.recordValue(Math.max(0, nowMicros() - sentMicros));
            if (count.get() == 0) {
                first = now;
            }
            last = now;
            if (count.incrementAndGet() == expected) {
                done.countDown();
            }
        }

        void report() throws InterruptedException {
            ready.await();
            System.out.println("READY");
            done.await();
            var h = latency.getIntervalHistogram();
            System.out.println("RESULT " + count.get() + " " + (last - first) + " " + h.getValueAtPercentile(50) + " "
                    + h.getValueAtPercentile(99));
        }
    }

    private static void plainEvents(String bootstrap, String topic, int expected) throws Exception {
        var tally = new Tally(expected);
        Thread.ofPlatform().start(() -> {
            try (var consumer = new KafkaConsumer<String, String>(consumerProps(bootstrap))) {
                consumer.subscribe(List.of(topic));
                while (tally.done.getCount() > 0) {
                    for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(100))) {
                        Header sent = r.headers().lastHeader("sent");
                        if (sent == null) {
                            tally.warm();
                        } else {
                            tally.record(Long.parseLong(new String(sent.value(), StandardCharsets.UTF_8)));
                        }
                    }
                }
            }
        });
        tally.report();
    }

    private static void bridgeEvents(String bootstrap, String topic, int expected) throws Exception {
        var tally = new Tally(expected);
        try (MessageBus bus = MessageBus.builder().name("receiver").queueCapacity(50_000).start();
                KafkaTransport kafka = KafkaTransport.builder(bootstrap).build();
                Bridge bridge = Bridge.builder(bus, kafka, CODEC).consume(Consume.broadcast(topic)).dedupWindow(200_000)
                        .pauseAt(10_000).start()) {
            bus.subscribe(Sent.class, s -> {
                if (s.n() < 0) {
                    tally.warm();
                } else {
                    tally.record(s.sentMicros());
                }
            });
            tally.report();
        }
    }

    private static void plainEcho(String bootstrap, String requests, String replies) throws Exception {
        try (var consumer = new KafkaConsumer<String, String>(consumerProps(bootstrap));
                var producer = new KafkaProducer<String, String>(producerProps(bootstrap))) {
            consumer.subscribe(List.of(requests));
            System.out.println("READY");
            while (true) {
                for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(100))) {
                    var reply = new ProducerRecord<>(replies, r.key(), r.value());
                    r.headers().forEach(h -> reply.headers().add(h));
                    producer.send(reply);
                }
                consumer.commitAsync();
            }
        }
    }

    private static void bridgeServe(String bootstrap, String requests) throws Exception {
        try (MessageBus bus = MessageBus.builder().name("server").start();
                KafkaTransport kafka = KafkaTransport.builder(bootstrap).build();
                Bridge bridge = Bridge.builder(bus, kafka, CODEC).serveCommands("bench-servers", requests).start()) {
            bus.registerCommand(Echo.class, (cmd, ctx) -> cmd.n() + 1);
            System.out.println("READY");
            new CountDownLatch(1).await();
        }
    }
}
