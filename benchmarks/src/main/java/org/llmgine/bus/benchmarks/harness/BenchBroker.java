package org.llmgine.bus.benchmarks.harness;

import java.io.File;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.Uuid;

/**
 * One KRaft Kafka node for the bridge scenario, in a child JVM on the broker jars that
 * modules/kafka-test-broker copies from Maven Central (the same broker the Kafka transport's
 * tests run), on free loopback ports, its data in a temporary directory deleted at close.
 */
final class BenchBroker implements AutoCloseable {

    private final Process process;
    private final Path dir;
    private final String bootstrap;
    private final Admin admin;

    private BenchBroker(Process process, Path dir, String bootstrap, Admin admin) {
        this.process = process;
        this.dir = dir;
        this.bootstrap = bootstrap;
        this.admin = admin;
    }

    static BenchBroker start(Path brokerLib, Path benchmarksJar) throws Exception {
        if (!Files.isDirectory(brokerLib)) {
            throw new IllegalStateException("the bridge scenario needs the Kafka broker's jars in " + brokerLib
                    + ": build modules/kafka-test-broker (./mvnw -pl modules/kafka-test-broker package)");
        }
        Path dir = Files.createTempDirectory("llmgine-bench-kafka-");
        int port = freePort();
        int controller = freePort();
        String bootstrap = "127.0.0.1:" + port;
        Path config = dir.resolve("server.properties");
        Files.writeString(config, String.join("\n", "process.roles=broker,controller", "node.id=1",
                "controller.quorum.bootstrap.servers=127.0.0.1:" + controller,
                "listeners=PLAINTEXT://127.0.0.1:" + port + ",CONTROLLER://127.0.0.1:" + controller,
                "advertised.listeners=PLAINTEXT://127.0.0.1:" + port, "controller.listener.names=CONTROLLER",
                "inter.broker.listener.name=PLAINTEXT",
                "listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
                "log.dirs=" + dir.resolve("data"), "num.partitions=4", "offsets.topic.replication.factor=1",
                "offsets.topic.num.partitions=1", "transaction.state.log.replication.factor=1",
                "transaction.state.log.min.isr=1", "share.coordinator.state.topic.replication.factor=1",
                "share.coordinator.state.topic.min.isr=1", "group.initial.rebalance.delay.ms=0", ""));
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> command = List.of(java, "-Xms512m", "-Xmx512m", "-XX:+UseSerialGC", "-Djava.awt.headless=true",
                "-cp", brokerLib + File.separator + "*" + File.pathSeparator + benchmarksJar,
                BenchBrokerMain.class.getName(), config.toString(), Uuid.randomUuid().toString());
        Process process = new ProcessBuilder(command).redirectOutput(dir.resolve("broker.out").toFile())
                .redirectErrorStream(true).start();
        Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 2000, AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 5000));
        var broker = new BenchBroker(process, dir, bootstrap, admin);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (true) {
            if (!process.isAlive()) {
                String out = Files.readString(dir.resolve("broker.out"));
                broker.close();
                throw new IllegalStateException("the benchmark's broker exited: " + out);
            }
            try {
                if (!admin.describeCluster(new DescribeClusterOptions().timeoutMs(2000)).nodes().get().isEmpty()) {
                    return broker;
                }
            } catch (Exception notYet) {
                // starting
            }
            if (System.nanoTime() > deadline) {
                broker.close();
                throw new IllegalStateException("the benchmark's broker did not start within 60 s");
            }
            Thread.sleep(100);
        }
    }

    String bootstrapServers() {
        return bootstrap;
    }

    void createTopic(String topic, int partitions) throws Exception {
        admin.createTopics(List.of(new NewTopic(topic, partitions, (short) 1))).all().get(30, TimeUnit.SECONDS);
    }

    @Override
    public void close() throws IOException {
        admin.close();
        process.getOutputStream().close();
        try {
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
