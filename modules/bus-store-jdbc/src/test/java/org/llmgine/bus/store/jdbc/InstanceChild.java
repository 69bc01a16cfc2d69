package org.llmgine.bus.store.jdbc;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Duration;
import java.util.concurrent.locks.LockSupport;
import javax.sql.DataSource;
import org.llmgine.bus.MessageBus;
import org.llmgine.bus.codec.JsonCodec;
import org.llmgine.bus.message.Event;

/**
 * One bus instance of {@link TwoInstancesTest} in a JVM of its own: a bus on the JDBC scheduled
 * store of the database it is given, polling it, whose handler records every event it handles in
 * table {@code handled (n, instance)}; it runs until it is killed.
 *
 * <p>Arguments: JDBC URL, user, the instance's name (written to {@code handled.instance}), the poll
 * interval in milliseconds. Output, flushed: {@code INSTANCE <bus instance id>}, then {@code READY}
 * once the bus started; a failure prints {@code FAILED} and the stack trace and exits with 2.
 */
final class InstanceChild {

    /** A scheduled event, numbered: its number is its entry's sequence. */
    record Due(int n) implements Event {}

    static final JsonCodec CODEC = JsonCodec.builder().register("instances.Due", Due.class).build();

    private static final PrintStream OUT = new PrintStream(System.out, true, StandardCharsets.UTF_8);

    private InstanceChild() {
    }

    public static void main(String[] args) {
        ChildJvm.exitWithParent();
        try {
            HikariConfig config = new HikariConfig();
            config.setJdbcUrl(args[0]);
            config.setUsername(args[1]);
            config.setPassword("");
            config.setMaximumPoolSize(8);
            config.setPoolName("instance-" + args[2]);
            HikariDataSource pool = new HikariDataSource(config);
            JdbcStores stores = JdbcStores.builder(pool).codec(CODEC).build();
            MessageBus bus = MessageBus.builder().name("instance-" + args[2]).scheduledEventStore(stores.scheduledEvents())
                    .scheduledStorePollInterval(Duration.ofMillis(Long.parseLong(args[3]))).build();
            String instance = args[2];
            bus.registerEventHandler(Due.class, (due, ctx) -> recordHandled(pool, due.n(), instance));
            OUT.println("INSTANCE " + bus.instanceId());
            bus.start();
            OUT.println("READY");
            OUT.flush();
            while (true) {
                LockSupport.park();
            }
        } catch (Throwable t) {
            OUT.println("FAILED");
            t.printStackTrace(OUT);
            OUT.flush();
            System.exit(2);
        }
    }

    /** Records that {@code instance} handled event {@code n}: one plain insert, committed at once. */
    static void recordHandled(DataSource dataSource, int n, String instance) throws SQLException {
        try (Connection c = dataSource.getConnection();
                PreparedStatement s = c.prepareStatement("INSERT INTO handled (n, instance) VALUES (?, ?)")) {
            s.setInt(1, n);
            s.setString(2, instance);
            s.executeUpdate();
        }
    }
}
