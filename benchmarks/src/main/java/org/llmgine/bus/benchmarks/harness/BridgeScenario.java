package org.llmgine.bus.benchmarks.harness;

import java.io.BufferedReader;
import java.io.File;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.llmgine.bus.MessageBus;
import org.llmgine.bus.bridge.Bridge;
import org.llmgine.bus.bridge.Route;
import org.llmgine.bus.bridge.kafka.KafkaTransport;
import org.llmgine.bus.codec.Encoded;
import org.llmgine.bus.message.CommandResult;

/**
 * The {@code bridge} scenario: the Kafka bridge across two JVMs on loopback, next to a plain
 * kafka-clients producer and consumer with the same records (the codec's payload and five
 * headers), in the same run, on one broker (a KRaft node in a third JVM).
 * <ul>
 *   <li>{@code throughput}: {@value #EVENTS} events published as fast as the sender goes, received
 *       in another JVM; events/s from the receiver's first to its last event;</li>
 *   <li>{@code latency}: {@value #PACED} events at {@value #RATE}/s; p50/p99 from publish on one
 *       side to handler start on the other (one wall clock, microseconds);</li>
 *   <li>{@code round trip}: {@value #CALLS} requests one after another, each answered by the other
 *       JVM: a remote command ({@code Bridge.execute}) against a plain request and reply.</li>
 * </ul>
 * Target (issue 11): bridge throughput at least 0.7 of plain, bridge p99 no more than 1 ms above it.
 */
@SuppressWarnings("try") // the bridges are held open by try-with-resources
final class BridgeScenario {

    static final int EVENTS = 100_000;
    static final int PACED = 5_000;
    static final int RATE = 2_000;
    static final int CALLS = 2_000;
    private static final String TEXT = "a token of a streamed answer, about this long";

    /** One measured case's figures. */
    private record Figures(double perSecond, double p50Micros, double p99Micros) {
    }

    /**
     * Runs the scenario: a broker, then per round the six cases, each against a fresh receiving JVM.
     *
     * @param options the rounds (default from the duration, 60 s)
     * @return a row per round and case, and the ratios per round
     * @throws Exception if the broker or a JVM fails
     */
    ScenarioResult run(Options options) throws Exception {
        Path jar = Path.of(BridgeScenario.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        Path lib = Path.of(System.getProperty("llmgine.broker.lib", "modules/kafka-test-broker/target/broker-lib"));
        int rounds = Math.max(1, options.rounds(options.duration(60)));
        List<Map<String, Object>> rows = new ArrayList<>();
        List<Map<String, Object>> ratios = new ArrayList<>();
        try (BenchBroker broker = BenchBroker.start(lib, jar)) {
            for (int round = 1; round <= rounds; round++) {
                Figures plainThroughput = events(broker, jar, "plain", EVENTS, 0);
                Figures bridgeThroughput = events(broker, jar, "bridge", EVENTS, 0);
                Figures plainLatency = events(broker, jar, "plain", PACED, RATE);
                Figures bridgeLatency = events(broker, jar, "bridge", PACED, RATE);
                Figures plainTrip = plainRoundTrip(broker, jar);
                Figures bridgeTrip = bridgeRoundTrip(broker, jar);
                rows.add(row(round, "kafka-plain", "throughput", plainThroughput));
                rows.add(row(round, "llmgine-bridge", "throughput", bridgeThroughput));
                rows.add(row(round, "kafka-plain", "latency", plainLatency));
                rows.add(row(round, "llmgine-bridge", "latency", bridgeLatency));
                rows.add(row(round, "kafka-plain", "round trip", plainTrip));
                rows.add(row(round, "llmgine-bridge", "round trip", bridgeTrip));
                ratios.add(Row.of("round", round, "throughput_vs_plain", bridgeThroughput.perSecond() / plainThroughput.perSecond(),
                        "latency_p99_extra_ms", (bridgeLatency.p99Micros() - plainLatency.p99Micros()) / 1000.0,
                        "round_trip_p50_vs_plain", bridgeTrip.p50Micros() / plainTrip.p50Micros(),
                        "round_trip_p99_extra_ms", (bridgeTrip.p99Micros() - plainTrip.p99Micros()) / 1000.0));
            }
        }
        return new ScenarioResult("bridge", List.of("round", "system", "case", "per_sec", "p50_us", "p99_us"), rows,
                Map.of("events", EVENTS, "paced", PACED, "rate", RATE, "calls", CALLS, "ratios", ratios), List.of());
    }

    private static Map<String, Object> row(int round, String system, String measured, Figures f) {
        return Row.of("round", round, "system", system, "case", measured, "per_sec", f.perSecond(), "p50_us",
                f.p50Micros(), "p99_us", f.p99Micros());
    }

    /** Sends {@code count} events (at {@code rate}/s, or as fast as possible for 0) to a receiving JVM. */
    private static Figures events(BenchBroker broker, Path jar, String system, int count, int rate) throws Exception {
        String topic = "bench-" + system + "-" + UUID.randomUUID();
        broker.createTopic(topic, 4);
        try (Child child = Child.start(jar, system + "-events", broker.bootstrapServers(), topic, String.valueOf(count))) {
            if (system.equals("plain")) {
                try (var producer = new KafkaProducer<String, String>(BridgeChild.producerProps(broker.bootstrapServers()))) {
                    while (!child.saw("READY", Duration.ofMillis(200))) {
                        producer.send(new ProducerRecord<>(topic, "warm", "{}")); // no "sent" header: a warm-up
                    }
                    send(count, rate, n -> {
                        Encoded e = BridgeChild.CODEC.encode(new BridgeChild.Sent(BridgeChild.nowMicros(), n, TEXT));
                        var record = new ProducerRecord<>(topic, "s" + (n % 100), e.payload());
                        record.headers().add("sent", String.valueOf(BridgeChild.nowMicros()).getBytes(StandardCharsets.UTF_8))
                                .add("llmgine-id", ("p-" + n).getBytes(StandardCharsets.UTF_8))
                                .add("llmgine-type", e.typeId().getBytes(StandardCharsets.UTF_8))
                                .add("llmgine-session", ("s" + (n % 100)).getBytes(StandardCharsets.UTF_8))
                                .add("llmgine-headers", "{}".getBytes(StandardCharsets.UTF_8));
                        producer.send(record);
                    });
                    producer.flush();
                }
            } else {
                try (MessageBus bus = MessageBus.builder().name("sender").queueCapacity(50_000).start();
                        KafkaTransport kafka = KafkaTransport.builder(broker.bootstrapServers()).build();
                        Bridge bridge = Bridge.builder(bus, kafka, BridgeChild.CODEC)
                                .route(Route.of(BridgeChild.Sent.class, topic)).bufferCapacity(count + 1_000).start()) {
                    while (!child.saw("READY", Duration.ofMillis(200))) {
                        bus.publish(new BridgeChild.Sent(BridgeChild.nowMicros(), -1, TEXT));
                    }
                    send(count, rate, n -> bus.getOrOpenSession("s" + (n % 100))
                            .publish(new BridgeChild.Sent(BridgeChild.nowMicros(), n, TEXT)));
                    bus.awaitIdle(Duration.ofSeconds(120)); // every event captured by the bridge's handler
                    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
                    while (bridge.stats().sent() < bridge.stats().accepted() && System.nanoTime() < deadline) {
                        Thread.sleep(5); // the sender drains its buffer before the bridge closes
                    }
                }
            }
            String[] result = child.await("RESULT", Duration.ofSeconds(120)).split(" ");
            double elapsed = Long.parseLong(result[2]) / 1e9;
            return new Figures(rate > 0 ? rate : count / elapsed, Double.parseDouble(result[3]),
                    Double.parseDouble(result[4]));
        }
    }

    /** A sender step per event number. */
    @FunctionalInterface
    private interface Step {
        void send(int n) throws Exception;
    }

    private static void send(int count, int rate, Step step) throws Exception {
        long start = System.nanoTime();
        for (int n = 0; n < count; n++) {
            if (rate > 0) {
                // parked, not spun: a spinning pacer holds one of the two cores the sending bus,
                // its bridge's sender and the producer's I/O thread share
                long due = start + (long) (n * (1e9 / rate));
                for (long left = due - System.nanoTime(); left > 0; left = due - System.nanoTime()) {
                    java.util.concurrent.locks.LockSupport.parkNanos(left);
                }
            }
            step.send(n);
        }
    }

    private static Figures plainRoundTrip(BenchBroker broker, Path jar) throws Exception {
        String requests = "bench-requests-" + UUID.randomUUID();
        String replies = "bench-replies-" + UUID.randomUUID();
        broker.createTopic(requests, 4);
        broker.createTopic(replies, 1);
        try (Child child = Child.start(jar, "plain-echo", broker.bootstrapServers(), requests, replies);
                var producer = new KafkaProducer<String, String>(BridgeChild.producerProps(broker.bootstrapServers()));
                var consumer = new KafkaConsumer<String, String>(BridgeChild.consumerProps(broker.bootstrapServers()))) {
            child.await("READY", Duration.ofSeconds(60));
            consumer.subscribe(List.of(replies));
            Histogram trips = new Histogram(60_000_000L, 3);
            for (int n = -20; n < CALLS; n++) { // 20 warm-up calls, not counted
                long t0 = System.nanoTime();
                String id = "r-" + n;
                producer.send(new ProducerRecord<>(requests, "s" + (n & 63), id));
                boolean answered = false;
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
                while (!answered) {
                    for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(50))) {
                        answered |= r.value().equals(id);
                    }
                    if (System.nanoTime() > deadline) {
                        throw new IllegalStateException("no plain reply to " + id + " within 60 s");
                    }
                }
                if (n >= 0) {
                    trips.recordValue((System.nanoTime() - t0) / 1_000);
                }
            }
            return new Figures(1e6 / trips.getMean(), trips.getValueAtPercentile(50), trips.getValueAtPercentile(99));
        }
    }

    private static Figures bridgeRoundTrip(BenchBroker broker, Path jar) throws Exception {
        String requests = "bench-calls-" + UUID.randomUUID();
        broker.createTopic(requests, 4);
        try (Child child = Child.start(jar, "bridge-serve", broker.bootstrapServers(), requests);
                MessageBus bus = MessageBus.builder().name("caller").start();
                KafkaTransport kafka = KafkaTransport.builder(broker.bootstrapServers()).build();
                Bridge bridge = Bridge.builder(bus, kafka, BridgeChild.CODEC).commandRoute(BridgeChild.Echo.class, requests)
                        .start()) {
            child.await("READY", Duration.ofSeconds(60));
            Histogram trips = new Histogram(60_000_000L, 3);
            for (int n = -20; n < CALLS; n++) {
                long t0 = System.nanoTime();
                CommandResult<Integer> result = bridge.execute(new BridgeChild.Echo(n), "s" + (n & 63), Duration.ofSeconds(60))
                        .get(70, TimeUnit.SECONDS);
                if (result.orThrow() != n + 1) {
                    throw new IllegalStateException("remote command " + n + " answered " + result);
                }
                if (n >= 0) {
                    trips.recordValue((System.nanoTime() - t0) / 1_000);
                }
            }
            return new Figures(1e6 / trips.getMean(), trips.getValueAtPercentile(50), trips.getValueAtPercentile(99));
        }
    }

    /** A receiving JVM on the benchmarks jar, its output read line by line. */
    private static final class Child implements AutoCloseable {
        private final Process process;
        private final LinkedBlockingQueue<String> lines = new LinkedBlockingQueue<>();

        private Child(Process process) {
            this.process = process;
            Thread.ofPlatform().daemon().start(() -> {
                try (var in = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                    String line;
                    while ((line = in.readLine()) != null) {
                        lines.add(line);
                    }
                } catch (Exception e) {
                    lines.add("(output lost: " + e + ")");
                }
            });
        }

        static Child start(Path jar, String... args) throws Exception {
            List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java")
                    .toString(), "-Xms512m", "-Xmx1g", "-cp", jar.toString(), BridgeChild.class.getName()));
            command.addAll(List.of(args));
            return new Child(new ProcessBuilder(command).redirectErrorStream(true).redirectInput(ProcessBuilder.Redirect.PIPE)
                    .start());
        }

        /** Whether {@code marker} came within {@code wait} (lines before it are dropped). */
        boolean saw(String marker, Duration wait) throws InterruptedException {
            long deadline = System.nanoTime() + wait.toNanos();
            String line;
            while ((line = lines.poll(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)) != null) {
                if (line.startsWith(marker)) {
                    return true;
                }
            }
            return false;
        }

        String await(String marker, Duration wait) throws InterruptedException {
            long deadline = System.nanoTime() + wait.toNanos();
            List<String> seen = new ArrayList<>();
            while (System.nanoTime() < deadline) {
                String line = lines.poll(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                if (line == null) {
                    break;
                }
                if (line.startsWith(marker)) {
                    return line;
                }
                seen.add(line);
            }
            throw new IllegalStateException("the bridge scenario's child printed no " + marker + " within " + wait + ": "
                    + String.join(File.separator.equals("/") ? "\n" : "\r\n", seen.subList(Math.max(0, seen.size() - 20),
                    seen.size())));
        }

        @Override
        public void close() throws java.io.IOException {
            process.getOutputStream().close();
            try {
                if (!process.waitFor(10, TimeUnit.SECONDS)) {
                    process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                process.destroyForcibly();
                Thread.currentThread().interrupt();
            }
        }
    }
}
