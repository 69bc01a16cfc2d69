package org.llmgine.bus.store.jdbc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.llmgine.bus.MessageBus;
import org.llmgine.bus.codec.RestoredThrowable;
import org.llmgine.bus.message.FailureCause;
import org.llmgine.bus.message.MessageId;
import org.llmgine.bus.resilience.DeadLetter;
import org.llmgine.bus.resilience.DeadLetterQueue;
import org.llmgine.bus.spi.StoredScheduledEvent;
import org.llmgine.bus.store.jdbc.CrashChild.Charge;
import org.llmgine.bus.store.jdbc.CrashChild.Tick;

/**
 * A JVM killed with SIGKILL mid-run loses nothing it wrote: a child JVM ({@link CrashChild})
 * leaves scheduled events, dead letters and outbox rows (some in flight, one in a transaction it
 * never committed) on a database and is killed while it keeps working; a new JVM (this one) on the
 * same database finds every one of them by id, and nothing uncommitted. PostgreSQL, and H2 in file
 * mode (the child holds the database file's lock when it dies).
 *
 * <p>H2 runs with {@code WRITE_DELAY=0}. With its default (500 ms) a commit reaches the file only
 * up to half a second later, and a JVM killed in between loses it: killed right after READY, the
 * child left an empty database (not even the tables).
 */
final class CrashSafetyTest {

    private static final int SCHEDULED = 25;
    private static final int DEAD = 7;
    private static final int OUTBOX_ROWS = 12;
    private static final int IN_FLIGHT = 4;
    private static final Duration STARTUP = Duration.ofSeconds(60);
    private static final Duration WAIT = Duration.ofSeconds(20);

    /** Where the two JVMs meet. */
    enum Database {
        /** The machine's PostgreSQL, a schema of the test's own. */
        POSTGRESQL,
        /** H2 in file mode, in a temporary directory. */
        H2_FILE
    }

    /** A database both JVMs open by URL; closing it drops it. */
    private interface Shared extends AutoCloseable {
        String url();

        String user();

        @Override
        void close() throws SQLException, IOException;
    }

    private static Shared create(Database kind) throws Exception {
        return switch (kind) {
            case POSTGRESQL -> {
                String schema = "llmgine_crash_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12)
                        .toLowerCase(Locale.ROOT);
                try (Connection c = DriverManager.getConnection(TestDatabase.PG_URL, "postgres", "");
                        Statement s = c.createStatement()) {
                    s.execute("CREATE SCHEMA " + schema);
                }
                yield shared(TestDatabase.PG_URL + "?currentSchema=" + schema, "postgres", () -> {
                    try (Connection c = DriverManager.getConnection(TestDatabase.PG_URL, "postgres", "");
                            Statement s = c.createStatement()) {
                        s.execute("DROP SCHEMA " + schema + " CASCADE");
                    }
                });
            }
            case H2_FILE -> {
                Path dir = Files.createTempDirectory("llmgine-crash-h2");
                // WRITE_DELAY=0: H2 writes each commit to the file at once; by default it writes them
                // up to 500 ms later, and a kill in between loses them (see the class comment)
                yield shared("jdbc:h2:file:" + dir.resolve("stores") + ";WRITE_DELAY=0", "sa", () -> {
                    try (Stream<Path> files = Files.walk(dir)) {
                        for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                            Files.deleteIfExists(p);
                        }
                    }
                });
            }
        };
    }

    @FunctionalInterface
    private interface Cleanup {
        void run() throws SQLException, IOException;
    }

    private static Shared shared(String url, String user, Cleanup cleanup) {
        return new Shared() {
            @Override
            public String url() {
                return url;
            }

            @Override
            public String user() {
                return user;
            }

            @Override
            public void close() throws SQLException, IOException {
                cleanup.run();
            }
        };
    }

    private static HikariDataSource pool(Shared db) {
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(db.url());
        config.setUsername(db.user());
        config.setPassword("");
        config.setMaximumPoolSize(4);
        config.setPoolName("crash-parent");
        return new HikariDataSource(config);
    }

    /** What the child said it left: its lines, by kind, in order. */
    private record Left(Map<MessageId, String> scheduled, Map<MessageId, String> dead, List<MessageId> outbox,
            Set<MessageId> inFlight, MessageId uncommitted) {

        static Left parse(List<String> lines) {
            Map<MessageId, String> scheduled = new HashMap<>();
            Map<MessageId, String> dead = new HashMap<>();
            List<MessageId> outbox = new ArrayList<>();
            Set<MessageId> inFlight = new HashSet<>();
            MessageId uncommitted = null;
            for (String line : lines) {
                String[] words = line.split(" ");
                switch (words[0]) {
                    case "SCHEDULED" -> scheduled.put(MessageId.parse(words[1]), words[2]);
                    case "DEAD" -> dead.put(MessageId.parse(words[1]), words[2]);
                    case "OUTBOX" -> outbox.add(MessageId.parse(words[1]));
                    case "INFLIGHT" -> inFlight.add(MessageId.parse(words[1]));
                    case "UNCOMMITTED" -> uncommitted = MessageId.parse(words[1]);
                    default -> { } // anything else the child's libraries print
                }
            }
            if (uncommitted == null) {
                throw new AssertionError("the child did not say which row it left uncommitted: " + lines);
            }
            return new Left(Map.copyOf(scheduled), Map.copyOf(dead), List.copyOf(outbox), Set.copyOf(inFlight),
                    uncommitted);
        }
    }

    @ParameterizedTest
    @EnumSource(Database.class)
    void aJvmKilledMidRun_leavesEveryScheduledEventDeadLetterAndOutboxRow_toTheNextJvm(Database kind)
            throws Exception {
        try (Shared db = create(kind)) {
            Left left;
            long started = System.nanoTime();
            try (ChildJvm child = ChildJvm.start("crash-" + kind, CrashChild.class, db.url(), db.user(),
                    String.valueOf(SCHEDULED), String.valueOf(DEAD), String.valueOf(OUTBOX_ROWS),
                    String.valueOf(IN_FLIGHT))) {
                left = Left.parse(child.linesUntil("READY", STARTUP));
                long ready = System.nanoTime();
                assertTrue(child.isAlive(), "the child runs on after READY");
                int exit = child.kill(WAIT);
                assertEquals(ChildJvm.SIGKILL_EXIT, exit, () -> "killed by SIGKILL; output:\n" + child.transcript());
                System.out.printf("%s: child ready after %d ms, killed with exit value %d%n", kind,
                        TimeUnit.NANOSECONDS.toMillis(ready - started), exit);
            }
            assertEquals(SCHEDULED, left.scheduled().size(), "the child announced every scheduled event");
            assertEquals(DEAD, left.dead().size(), "the child announced every dead letter");
            assertEquals(OUTBOX_ROWS, left.outbox().size(), "the child announced every outbox row");
            assertEquals(IN_FLIGHT, left.inFlight().size(), "the child announced every in-flight row");
            if (kind == Database.H2_FILE) {
                String file = db.url().substring("jdbc:h2:file:".length(), db.url().indexOf(';'));
                try (Stream<Path> files = Files.list(Path.of(file).getParent())) {
                    System.out.println("H2 files after the kill: " + files.map(p -> p.getFileName().toString())
                            .sorted().toList());
                }
            }

            try (HikariDataSource pool = pool(db)) { // H2: opens the file the killed JVM held locked
                var clock = new ManualClock(Instant.now());
                JdbcStores stores = JdbcStores.builder(pool).codec(CrashChild.CODEC).clock(clock).build();
                assertScheduledEventsSurvived(stores, left);
                assertDeadLettersSurvived(stores, left);
                assertOutboxSurvived(stores, left, clock.instant());
                assertScheduledEventsFire(stores, left, clock);
            }
        }
    }

    private static void assertScheduledEventsSurvived(JdbcStores stores, Left left) throws Exception {
        List<StoredScheduledEvent> pending = stores.scheduledEvents().pending();
        assertEquals(left.scheduled().size(), pending.size(), "one row per scheduled event");
        assertEquals(left.scheduled(), pending.stream().collect(Collectors.toMap(StoredScheduledEvent::id,
                e -> ((Tick) e.event()).tag())), "every scheduled event, by id, with its event");
        assertEquals(List.of(), stores.scheduledEvents().unreadable());
    }

    private static void assertDeadLettersSurvived(JdbcStores stores, Left left) throws Exception {
        var reopened = DeadLetterQueue.builder().store(stores.deadLetters(CrashChild.QUEUE)).build();
        List<DeadLetter> listed = reopened.list();
        assertEquals(left.dead().size(), listed.size(), "the reopened queue lists every dead letter");
        assertEquals(left.dead(), listed.stream().collect(Collectors.toMap(DeadLetter::id,
                d -> ((Charge) d.message()).item())), "every dead letter, by id, with its command");
        for (DeadLetter letter : listed) {
            var threw = assertInstanceOf(FailureCause.HandlerThrew.class, letter.cause(), letter::toString);
            var restored = assertInstanceOf(RestoredThrowable.class, threw.error());
            assertEquals(IllegalStateException.class.getName(), restored.originalClassName());
            assertEquals("card declined for " + ((Charge) letter.message()).item(), restored.getMessage());
        }
    }

    private static void assertOutboxSurvived(JdbcStores stores, Left left, Instant now) throws Exception {
        JdbcOutbox outbox = stores.outbox(CrashChild.OUTBOX);
        List<OutboxEntry> pending = outbox.pending();
        assertEquals(left.outbox(), pending.stream().map(OutboxEntry::id).toList(),
                "every row still to send, oldest first, the uncommitted one not among them");
        for (OutboxEntry entry : pending) {
            boolean claimed = left.inFlight().contains(entry.id());
            assertEquals(claimed ? OutboxState.IN_FLIGHT : OutboxState.PENDING, entry.state(), entry::toString);
            assertEquals(claimed ? 1 : 0, entry.attempts(), entry::toString);
        }
        assertEquals(Optional.empty(), outbox.find(left.uncommitted()),
                "the row of the transaction the kill cut short is not there");
        assertEquals(Map.of(OutboxState.PENDING, (long) (OUTBOX_ROWS - IN_FLIGHT), OutboxState.IN_FLIGHT,
                (long) IN_FLIGHT, OutboxState.COMPLETED, 0L, OutboxState.ABANDONED, 0L), outbox.counts());

        UUID next = UUID.randomUUID();
        Set<MessageId> notClaimed = new HashSet<>(left.outbox());
        notClaimed.removeAll(left.inFlight());
        List<OutboxEntry> first = outbox.claimBatch(next, now, now.plusSeconds(30), 100);
        assertEquals(notClaimed, Set.copyOf(first.stream().map(OutboxEntry::id).toList()),
                "the dead instance's claims hold until their lease lapses");
        for (OutboxEntry entry : first) {
            outbox.complete(entry.id()); // sent
        }
        Instant afterLease = now.plus(CrashChild.OUTBOX_LEASE).plusSeconds(60);
        List<OutboxEntry> second = outbox.claimBatch(next, afterLease, afterLease.plusSeconds(30), 100);
        assertEquals(left.inFlight(), Set.copyOf(second.stream().map(OutboxEntry::id).toList()),
                "then the rows it held are claimable again");
        assertTrue(second.stream().allMatch(e -> e.attempts() == 2), second::toString);
        for (OutboxEntry entry : second) {
            outbox.complete(entry.id());
        }
        assertEquals((long) OUTBOX_ROWS, outbox.counts().get(OutboxState.COMPLETED));
    }

    private static void assertScheduledEventsFire(JdbcStores stores, Left left, ManualClock clock) throws Exception {
        ConcurrentHashMap<String, Integer> fired = new ConcurrentHashMap<>();
        MessageBus bus = MessageBus.builder().name("after-crash").clock(clock)
                .scheduledEventStore(stores.scheduledEvents()).build();
        try {
            bus.registerEventHandler(Tick.class, (tick, ctx) -> fired.merge(tick.tag(), 1, Integer::sum));
            bus.start();
            assertEquals(left.scheduled().size(), bus.stats().scheduled().pending(), "the new bus loaded them all");
            assertEquals(Map.of(), Map.copyOf(fired), "none is due yet");
            clock.advance(CrashChild.DUE_IN.plusHours(1));
            long deadline = System.nanoTime() + WAIT.toNanos();
            while (fired.size() < left.scheduled().size()) {
                if (System.nanoTime() > deadline) {
                    throw new AssertionError("fired " + fired.size() + " of " + left.scheduled().size() + " within "
                            + WAIT);
                }
                Thread.onSpinWait();
            }
            assertTrue(bus.awaitIdle(WAIT));
        } finally {
            bus.close();
        }
        assertEquals(Set.copyOf(left.scheduled().values()), fired.keySet(), "every scheduled event fired");
        assertTrue(fired.values().stream().allMatch(n -> n == 1), () -> "each once: " + fired);
        assertEquals(List.of(), stores.scheduledEvents().pending(), "and is gone from the table");
    }
}
