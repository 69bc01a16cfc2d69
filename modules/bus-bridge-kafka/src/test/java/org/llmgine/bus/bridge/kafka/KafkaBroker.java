package org.llmgine.bus.bridge.kafka;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;

/**
 * A real Kafka broker for a test class: one KRaft node (broker and controller) in a child JVM on
 * the jars modules/kafka-test-broker copied from Maven Central (system property
 * {@code kafka.broker.lib}), with a generated config on free loopback ports and a data directory of
 * its own, deleted at close. Internal topics have replication factor 1 (a single node; consumer
 * groups never form otherwise). Ready when an admin client sees the node.
 */
final class KafkaBroker implements AutoCloseable {

    private final Process process;
    private final Path dir;
    private final String bootstrap;
    private final Admin admin;

    private KafkaBroker(Process process, Path dir, String bootstrap, Admin admin) {
        this.process = process;
        this.dir = dir;
        this.bootstrap = bootstrap;
        this.admin = admin;
    }

    /** Starts a broker whose topics get {@code partitions} partitions unless created otherwise. */
    static KafkaBroker start(int partitions) throws Exception {
        String lib = System.getProperty("kafka.broker.lib");
        if (lib == null || !Files.isDirectory(Path.of(lib))) {
            throw new IllegalStateException("system property kafka.broker.lib must name the broker's jars (built by"
                    + " modules/kafka-test-broker), but was " + lib);
        }
        Path dir = Files.createTempDirectory("llmgine-kafka-");
        int brokerPort = freePort();
        int controllerPort = freePort();
        String bootstrap = "127.0.0.1:" + brokerPort;
        Path config = dir.resolve("server.properties");
        Files.writeString(config, String.join("\n",
                "process.roles=broker,controller",
                "node.id=1",
                "controller.quorum.bootstrap.servers=127.0.0.1:" + controllerPort,
                "listeners=PLAINTEXT://127.0.0.1:" + brokerPort + ",CONTROLLER://127.0.0.1:" + controllerPort,
                "advertised.listeners=PLAINTEXT://127.0.0.1:" + brokerPort,
                "controller.listener.names=CONTROLLER",
                "inter.broker.listener.name=PLAINTEXT",
                "listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
                "log.dirs=" + dir.resolve("data"),
                "num.partitions=" + partitions,
                "auto.create.topics.enable=true",
                "offsets.topic.replication.factor=1",
                "offsets.topic.num.partitions=1",
                "transaction.state.log.replication.factor=1",
                "transaction.state.log.min.isr=1",
                "transaction.state.log.num.partitions=1",
                "share.coordinator.state.topic.replication.factor=1",
                "share.coordinator.state.topic.min.isr=1",
                "group.initial.rebalance.delay.ms=0",
                ""));
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        String own = Path.of(BrokerMain.class.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
        List<String> command = List.of(java, "-Xms256m", "-Xmx512m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
                "-Djava.awt.headless=true", "-cp", own + File.pathSeparator + lib + File.separator + "*",
                BrokerMain.class.getName(), config.toString(), Uuid.randomUuid().toString());
        Process process = new ProcessBuilder(command).redirectOutput(dir.resolve("broker.out").toFile())
                .redirectErrorStream(true).start(); // stdin stays a pipe: closing it, or this JVM's death, stops it
        Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 2000, AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 5000,
                AdminClientConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, 200));
        var broker = new KafkaBroker(process, dir, bootstrap, admin);
        try {
            broker.awaitReady(Duration.ofSeconds(60));
        } catch (Exception e) {
            String out = Files.exists(dir.resolve("broker.out")) ? Files.readString(dir.resolve("broker.out")) : "";
            broker.close();
            throw new IllegalStateException("the test broker did not start: " + e + "\n" + out, e);
        }
        return broker;
    }

    private void awaitReady(Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            if (!process.isAlive()) {
                throw new IllegalStateException("the broker exited with " + process.exitValue());
            }
            try {
                if (!admin.describeCluster(new DescribeClusterOptions().timeoutMs(2000)).nodes().get().isEmpty()) {
                    return;
                }
            } catch (Exception notYet) {
                // refused while it starts
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("not ready within " + timeout);
            }
            Thread.sleep(100);
        }
    }

    String bootstrapServers() {
        return bootstrap;
    }

    /** Creates a topic with {@code partitions} partitions. */
    void createTopic(String topic, int partitions) throws Exception {
        admin.createTopics(List.of(new NewTopic(topic, partitions, (short) 1))).all().get(30, TimeUnit.SECONDS);
    }

    /** The records of a topic a group has not committed: end offsets minus committed offsets. */
    long lag(String topic, String group) throws Exception {
        Set<TopicPartition> partitions = admin.describeTopics(List.of(topic)).allTopicNames().get(30, TimeUnit.SECONDS)
                .get(topic).partitions().stream().map(p -> new TopicPartition(topic, p.partition()))
                .collect(Collectors.toSet());
        Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
        partitions.forEach(tp -> latest.put(tp, OffsetSpec.latest()));
        Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> ends = admin.listOffsets(latest).all()
                .get(30, TimeUnit.SECONDS);
        Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(group)
                .partitionsToOffsetAndMetadata().get(30, TimeUnit.SECONDS);
        long lag = 0;
        for (TopicPartition tp : partitions) {
            OffsetAndMetadata c = committed.get(tp);
            lag += ends.get(tp).offset() - (c == null ? 0 : c.offset());
        }
        return lag;
    }

    /** The broker's output so far, for failure messages. */
    String output() {
        try {
            return Files.readString(dir.resolve("broker.out"));
        } catch (IOException e) {
            return "(no output: " + e + ")";
        }
    }

    @Override
    public void close() throws IOException {
        admin.close(Duration.ofSeconds(5));
        process.getOutputStream().close(); // end of file on the broker's stdin: its watchdog exits
        try {
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
        List<Path> files = new ArrayList<>();
        try (Stream<Path> walk = Files.walk(dir)) {
            walk.sorted(Comparator.reverseOrder()).forEach(files::add);
        }
        for (Path f : files) {
            try {
                Files.deleteIfExists(f);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot delete the test broker's " + f, e);
            }
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            s.setReuseAddress(true);
            return s.getLocalPort();
        }
    }
}
