package org.llmgine.bus.bridge.kafka;

import java.io.PrintStream;

/**
 * The main class of the test broker's JVM ({@link KafkaBroker}), run on the classpath of
 * modules/kafka-test-broker's jars (Kafka 4.3.1) with this class in front. It names the broker's
 * classes only by their names (the tests compile against kafka-clients 4.4.0, not the broker):
 * formats the log directory as {@code kafka-storage format --standalone} does, through
 * {@code kafka.tools.StorageTool.execute} (which returns its exit code instead of exiting), then
 * runs {@code kafka.Kafka}. A watchdog exits the JVM when its stdin reaches end of file, so a test
 * JVM that dies, even by SIGKILL, never leaves its broker running.
 *
 * <p>Arguments: {@code <server.properties> <cluster id>}.
 */
public final class BrokerMain {

    private BrokerMain() {
    }

    /**
     * Formats and runs the broker.
     *
     * @param args the config file and the cluster id
     * @throws Throwable if the broker cannot start
     */
    public static void main(String[] args) throws Throwable {
        String config = args[0];
        String clusterId = args[1];
        Thread watchdog = new Thread(() -> {
            try {
                while (System.in.read() != -1) {
                    // nothing is sent; end of file means the parent is gone or closed the pipe
                }
            } catch (Exception e) {
                // a broken pipe is the same as end of file
            }
            System.exit(0); // Kafka's shutdown hook shuts the broker down
        }, "parent-watchdog");
        watchdog.setDaemon(true);
        watchdog.start();
        Object code = Class.forName("kafka.tools.StorageTool").getMethod("execute", String[].class, PrintStream.class)
                .invoke(null, new String[] {"format", "--config", config, "--cluster-id", clusterId, "--standalone",
                    "--ignore-formatted"}, System.out);
        if (!Integer.valueOf(0).equals(code)) {
            System.err.println("formatting the broker's storage failed with " + code);
            System.exit(2);
        }
        Class.forName("kafka.Kafka").getMethod("main", String[].class).invoke(null, (Object) new String[] {config});
    }
}
