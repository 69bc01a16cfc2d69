package org.llmgine.bus.benchmarks.harness;

import java.io.PrintStream;

/**
 * The main class of the bridge scenario's broker JVM ({@link BenchBroker}), run with the Kafka
 * 4.3.1 broker's jars ahead of the benchmarks jar on its class path: formats the storage as
 * {@code kafka-storage format --standalone} does ({@code kafka.tools.StorageTool.execute}) and runs
 * {@code kafka.Kafka}, both named by their class names (the benchmarks compile against
 * kafka-clients 4.4.0, not the broker). It exits when its stdin closes, so the harness's death
 * never leaves a broker running.
 */
public final class BenchBrokerMain {

    private BenchBrokerMain() {
    }

    /**
     * Formats and runs the broker.
     *
     * @param args the config file and the cluster id
     * @throws Throwable if it cannot start
     */
    public static void main(String[] args) throws Throwable {
        Thread watchdog = new Thread(() -> {
            try {
                while (System.in.read() != -1) {
                    // nothing is sent: wait for the end of the stream
                }
            } catch (Exception e) {
                // the parent is gone all the same
            }
            System.exit(0);
        }, "parent-watchdog");
        watchdog.setDaemon(true);
        watchdog.start();
        Object code = Class.forName("kafka.tools.StorageTool").getMethod("execute", String[].class, PrintStream.class)
                .invoke(null, new String[] {"format", "--config", args[0], "--cluster-id", args[1], "--standalone",
                    "--ignore-formatted"}, System.out);
        if (!Integer.valueOf(0).equals(code)) {
            System.err.println("formatting the broker's storage failed with " + code);
            System.exit(2);
        }
        Class.forName("kafka.Kafka").getMethod("main", String[].class).invoke(null, (Object) new String[] {args[0]});
    }
}
