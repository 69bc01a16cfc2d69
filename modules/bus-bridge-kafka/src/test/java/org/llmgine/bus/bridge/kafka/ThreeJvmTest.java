package org.llmgine.bus.bridge.kafka;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Three JVMs on one broker: a producer that publishes events over many sessions and executes
 * remote commands, and two consumers in one group (events and commands) with the durable dedup,
 * each recording every handling in PostgreSQL. One consumer is killed with SIGKILL mid-run; the
 * other finishes. Then, counted from the table: every event handled, its effect once except for the
 * records the killed consumer had finished but not yet recorded as processed (handled by it, then
 * again by the survivor), each session's events in order on every instance, and every command with
 * exactly its own result.
 */
final class ThreeJvmTest {

    private static final int EVENTS = 100_000;
    private static final int SESSIONS = 1_000;
    private static final int COMMANDS = 10_000;
    private static final Duration WAIT = Duration.ofSeconds(300);
    private static KafkaBroker broker;

    @BeforeAll
    static void startBroker() throws Exception {
        broker = KafkaBroker.start(8);
        broker.createTopic(ClusterChild.EVENTS, 8);
        broker.createTopic(ClusterChild.CALLS, 8);
    }

    @AfterAll
    static void stopBroker() throws Exception {
        if (broker != null) {
            broker.close();
        }
    }

    @Test
    void aConsumerKilledMidRun_losesNothing_andOrderHoldsOnEveryInstance() throws Exception {
        String schema = "three_jvm_" + UUID.randomUUID().toString().replace("-", "");
        String admin = "jdbc:postgresql://127.0.0.1:5432/test";
        execute(admin, "CREATE SCHEMA " + schema);
        String url = admin + "?currentSchema=" + schema;
        try {
            execute(url, "CREATE TABLE handled (seq BIGSERIAL PRIMARY KEY, message_id VARCHAR(100) NOT NULL,"
                    + " session_id VARCHAR(50) NOT NULL, n INTEGER NOT NULL, instance VARCHAR(10) NOT NULL)");
            try (ChildJvm a = ChildJvm.start("consumer-a", ClusterChild.class, "consumer", broker.bootstrapServers(), url, "a");
                    ChildJvm b = ChildJvm.start("consumer-b", ClusterChild.class, "consumer", broker.bootstrapServers(), url, "b")) {
                a.linesUntil("READY", WAIT);
                b.linesUntil("READY", WAIT);
                try (ChildJvm producer = ChildJvm.start("producer", ClusterChild.class, "producer",
                        broker.bootstrapServers(), url, String.valueOf(EVENTS), String.valueOf(SESSIONS),
                        String.valueOf(COMMANDS))) {
                    producer.linesUntil("READY", WAIT);
                    // killed once both consumers handled a good share
                    awaitCount(url, "SELECT COUNT(*) FROM handled WHERE instance = 'a'", EVENTS / 10, a);
                    awaitCount(url, "SELECT COUNT(*) FROM handled WHERE instance = 'b'", EVENTS / 10, b);
                    assertEquals(ChildJvm.SIGKILL_EXIT, a.kill(WAIT), () -> "a killed by SIGKILL:\n" + a.transcript());
                    long handledAtKill = count(url, "SELECT COUNT(*) FROM handled");
                    List<String> results = producer.linesUntil("DONE", WAIT);
                    awaitCount(url, "SELECT COUNT(DISTINCT (session_id, n)) FROM handled", EVENTS, b);

                    String commands = results.stream().filter(l -> l.startsWith("COMMANDS ")).findFirst().orElseThrow();
                    String sent = results.stream().filter(l -> l.startsWith("SENT ")).findFirst().orElseThrow();
                    long total = count(url, "SELECT COUNT(*) FROM handled");
                    long distinct = count(url, "SELECT COUNT(DISTINCT (session_id, n)) FROM handled");
                    long twice = count(url, "SELECT COUNT(*) FROM (SELECT session_id, n FROM handled GROUP BY session_id, n"
                            + " HAVING COUNT(*) > 1) d");
                    long notAThenB = count(url, "SELECT COUNT(*) FROM (SELECT session_id, n FROM handled GROUP BY session_id, n"
                            + " HAVING COUNT(*) > 1 AND NOT (COUNT(*) = 2 AND MIN(instance) = 'a' AND MAX(instance) = 'b'"
                            + " AND MIN(CASE WHEN instance = 'a' THEN seq END) < MIN(CASE WHEN instance = 'b' THEN seq END))) d");
                    long outOfOrder = outOfOrder(url);
                    System.out.printf("three JVMs: %d events over %d sessions, %d commands; a killed with %d handled; %d"
                            + " handlings of %d events, %d twice; %s; %s%n", EVENTS, SESSIONS, COMMANDS, handledAtKill,
                            total, distinct, twice, sent, commands);

                    assertEquals(EVENTS, distinct, "every event handled");
                    assertEquals(0, notAThenB, "an event handled twice only by the killed consumer and then the survivor");
                    assertEquals(total, distinct + twice, "no event handled more than twice");
                    assertTrue(twice < 2_000, "twice only for what a had finished and not yet recorded: " + twice);
                    assertEquals(0, outOfOrder, "each session's events in order on every instance");
                    assertEquals("SENT " + EVENTS + " OVERFLOWED 0", sent);
                    assertTrue(commands.startsWith("COMMANDS " + COMMANDS + " OK " + COMMANDS + " WRONG 0 FAILED 0"),
                            commands);
                }
            }
        } finally {
            execute(admin, "DROP SCHEMA " + schema + " CASCADE");
        }
    }

    /** Per instance and session, how many handlings came with an n not above the one before. */
    private static long outOfOrder(String url) throws SQLException {
        long wrong = 0;
        Map<String, Integer> last = new HashMap<>();
        try (Connection c = DriverManager.getConnection(url, "postgres", ""); Statement s = c.createStatement();
                ResultSet r = s.executeQuery("SELECT instance, session_id, n FROM handled ORDER BY seq")) {
            while (r.next()) {
                String key = r.getString(1) + "/" + r.getString(2);
                int n = r.getInt(3);
                Integer before = last.put(key, n);
                if (before != null && n <= before) {
                    wrong++;
                }
            }
        }
        return wrong;
    }

    private static void awaitCount(String url, String sql, long atLeast, ChildJvm watched) throws Exception {
        long deadline = System.nanoTime() + WAIT.toNanos();
        long seen = 0;
        while ((seen = count(url, sql)) < atLeast) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError(sql + " reached " + seen + ", not " + atLeast + ", within " + WAIT + "; "
                        + watched + " said:\n" + tail(watched.transcript()));
            }
            Thread.sleep(50);
        }
    }

    private static String tail(String transcript) {
        List<String> lines = new ArrayList<>(List.of(transcript.split("\n")));
        return String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size()));
    }

    private static long count(String url, String sql) throws SQLException {
        try (Connection c = DriverManager.getConnection(url, "postgres", ""); Statement s = c.createStatement();
                ResultSet r = s.executeQuery(sql)) {
            r.next();
            return r.getLong(1);
        }
    }

    private static void execute(String url, String sql) throws SQLException {
        try (Connection c = DriverManager.getConnection(url, "postgres", ""); Statement s = c.createStatement()) {
            s.execute(sql);
        }
    }
}
