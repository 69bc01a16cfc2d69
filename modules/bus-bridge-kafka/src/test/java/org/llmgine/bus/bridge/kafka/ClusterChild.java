package org.llmgine.bus.bridge.kafka;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.llmgine.bus.MessageBus;
import org.llmgine.bus.bridge.Bridge;
import org.llmgine.bus.bridge.BridgeHeaders;
import org.llmgine.bus.bridge.Consume;
import org.llmgine.bus.bridge.JdbcDedupStore;
import org.llmgine.bus.bridge.Route;
import org.llmgine.bus.codec.JsonCodec;
import org.llmgine.bus.message.Command;
import org.llmgine.bus.message.CommandResult;
import org.llmgine.bus.message.Event;
import org.llmgine.bus.store.jdbc.JdbcStores;

/**
 * The JVMs of {@link ThreeJvmTest}: {@code producer} publishes the events and executes the remote
 * commands, then prints its results; {@code consumer} handles events (recording each handling in
 * PostgreSQL) and serves commands, in one group with the other consumer, with the durable dedup.
 *
 * <p>Arguments: {@code producer <bootstrap> <jdbc url> <events> <sessions> <commands>} or
 * {@code consumer <bootstrap> <jdbc url> <name>}.
 */
public final class ClusterChild {

    /** An event of a session: its number within the session. */
    public record Said(String session, int n) implements Event {}

    /** A remote command's result. */
    public record Doubled(int value) {}

    /** A command served by a consumer: doubles its number. */
    public record Double2(int n) implements Command<Doubled> {}

    static final JsonCodec CODEC = JsonCodec.builder().register("said", Said.class).register("double", Double2.class)
            .register("doubled", Doubled.class).build();
    static final String EVENTS = "cluster-events";
    static final String CALLS = "cluster-calls";

    private ClusterChild() {
    }

    /**
     * Runs one JVM of the test.
     *
     * @param args see the class
     * @throws Exception if it cannot run
     */
    public static void main(String[] args) throws Exception {
        ChildJvm.exitWithParent();
        var config = new HikariConfig();
        config.setJdbcUrl(args[2]);
        config.setUsername("postgres");
        config.setPassword("");
        config.setMaximumPoolSize(8);
        DataSource ds = new HikariDataSource(config);
        JdbcStores stores = JdbcStores.builder(ds).codec(CODEC).build();
        if (args[0].equals("producer")) {
            produce(args[1], stores, Integer.parseInt(args[3]), Integer.parseInt(args[4]), Integer.parseInt(args[5]));
        } else {
            consume(args[1], ds, stores, args[3]);
        }
    }

    private static void produce(String bootstrap, JdbcStores stores, int events, int sessions, int commands)
            throws Exception {
        try (MessageBus bus = MessageBus.builder().name("producer").queueCapacity(20_000).start();
                KafkaTransport kafka = KafkaTransport.builder(bootstrap).clientId("producer").build();
                Bridge bridge = Bridge.builder(bus, kafka, CODEC).route(Route.of(Said.class, EVENTS))
                        .commandRoute(Double2.class, CALLS).bufferCapacity(events + 1).start()) {
            System.out.println("READY");
            List<CompletableFuture<CommandResult<Doubled>>> calls = new ArrayList<>();
            int perSession = events / sessions;
            int every = Math.max(1, events / commands);
            int published = 0;
            for (int n = 0; n < perSession; n++) {
                for (int s = 0; s < sessions; s++) {
                    bus.getOrOpenSession("s" + s).publish(new Said("s" + s, n));
                    if (++published % every == 0 && calls.size() < commands) {
                        int k = calls.size();
                        calls.add(bridge.execute(new Double2(k), "s" + s, Duration.ofSeconds(120)));
                    }
                }
            }
            bus.awaitIdle(Duration.ofSeconds(120));
            int ok = 0;
            int wrong = 0;
            int failed = 0;
            StringBuilder failures = new StringBuilder();
            for (int k = 0; k < calls.size(); k++) {
                CommandResult<Doubled> result = calls.get(k).get(180, TimeUnit.SECONDS);
                if (result instanceof CommandResult.Success<Doubled> success) {
                    if (success.value().value() == 2 * k) {
                        ok++;
                    } else {
                        wrong++;
                    }
                } else {
                    failed++;
                    if (failures.length() < 500) {
                        failures.append(((CommandResult.Failure<Doubled>) result).cause()).append("; ");
                    }
                }
            }
            while (bridge.stats().sent() < events) {
                Thread.sleep(20);
            }
            System.out.println("SENT " + bridge.stats().sent() + " OVERFLOWED " + bridge.stats().overflowed());
            System.out.println("COMMANDS " + calls.size() + " OK " + ok + " WRONG " + wrong + " FAILED " + failed + " "
                    + failures);
            System.out.println("DONE");
        }
    }

    private static void consume(String bootstrap, DataSource ds, JdbcStores stores, String name)
            throws Exception {
        try (MessageBus bus = MessageBus.builder().name(name).queueCapacity(20_000).start();
                KafkaTransport kafka = KafkaTransport.builder(bootstrap).clientId(name).build()) {
            bus.registerEventHandler(Said.class, (said, ctx) -> {
                try (Connection c = ds.getConnection(); PreparedStatement s = c.prepareStatement(
                        "INSERT INTO handled (message_id, session_id, n, instance) VALUES (?, ?, ?, ?)")) {
                    s.setString(1, ctx.headers().get(BridgeHeaders.SOURCE_ID).orElse("?"));
                    s.setString(2, said.session());
                    s.setInt(3, said.n());
                    s.setString(4, name);
                    s.executeUpdate();
                }
            });
            bus.registerCommand(Double2.class, (cmd, ctx) -> new Doubled(cmd.n() * 2));
            try (Bridge bridge = Bridge.builder(bus, kafka, CODEC).consume(Consume.competing("cluster", EVENTS))
                    .serveCommands("cluster-servers", CALLS).dedupStore(JdbcDedupStore.of(stores.processedMessages()))
                    .start()) {
                System.out.println("READY");
                while (true) {
                    Thread.sleep(1_000);
                    var st = bridge.stats();
                    System.out.println("STATS received=" + st.received() + " republished=" + st.republished()
                            + " duplicates=" + st.duplicates() + " served=" + st.commands().served());
                }
            }
        }
    }
}
