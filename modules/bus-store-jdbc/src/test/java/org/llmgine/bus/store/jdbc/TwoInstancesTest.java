package org.llmgine.bus.store.jdbc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.llmgine.bus.MessageBus;
import org.llmgine.bus.message.Headers;
import org.llmgine.bus.message.MessageId;
import org.llmgine.bus.spi.ObservableClock;
import org.llmgine.bus.spi.StoredScheduledEvent;
import org.llmgine.bus.store.jdbc.InstanceChild.Due;

/**
 * Two bus instances on one PostgreSQL table of 10,000 scheduled events all due at once: instance
 * A in a JVM of its own ({@link InstanceChild}), started on the empty table, so it finds the
 * entries only by polling (batch claims, {@code SKIP LOCKED}); instance B in this one, started once
 * the entries are there, so it loads them all and claims each as its timer fires it, and polls too.
 * A is killed with SIGKILL mid-way; B finishes: it takes over what A held once A's claims lapse
 * (B's clock is moved past A's 5-minute lease). Every event is handled; one handled twice only if A
 * still held its claim when it died (A handled it and died before completing it: the at-least-once
 * window), never otherwise.
 */
final class TwoInstancesTest {

    private static final int EVENTS = 10_000;
    /** A is killed once this many events were handled in all, by both instances. */
    private static final int KILL_AFTER = 4_000;
    /**
     * A is killed while it holds at least this many claims of a batch it is firing (some 2 ms each):
     * it still holds some when the kill lands a few milliseconds later.
     */
    private static final int HELD_AT_KILL = 20;
    private static final Duration POLL = Duration.ofMillis(200);
    /** When the entries are due, from just after they are all added: A and B find them all there. */
    private static final Duration DUE_IN = Duration.ofSeconds(3);
    /** Longer than the bus's claim lease (5 minutes): A's claims have lapsed for B. */
    private static final Duration PAST_THE_LEASE = Duration.ofMinutes(6);
    private static final Duration WAIT = Duration.ofSeconds(60);

    /** The system clock moved by an offset the test raises; tells the bus's timer when it does. */
    private static final class OffsetClock implements ObservableClock {
        private final AtomicReference<Duration> offset = new AtomicReference<>(Duration.ZERO);
        private final List<Runnable> listeners = new CopyOnWriteArrayList<>();

        @Override
        public Instant instant() {
            return Instant.now().plus(offset.get());
        }

        void advance(Duration step) {
            offset.updateAndGet(o -> o.plus(step));
            listeners.forEach(Runnable::run);
        }

        @Override
        public Runnable onChange(Runnable listener) {
            listeners.add(listener);
            return () -> listeners.remove(listener);
        }
    }

    @Test
    void tenThousandDueAtOnce_eachHandledOnce_andTheSurvivorFinishesWhatAKilledInstanceHeld() throws Exception {
        try (var db = TestDatabase.POSTGRESQL.open();
                HikariDataSource handlerPool = pool(((HikariDataSource) db.dataSource()).getJdbcUrl())) {
            String url = ((HikariDataSource) db.dataSource()).getJdbcUrl();
            execute(db.dataSource(), "CREATE TABLE handled (n INTEGER NOT NULL, instance VARCHAR(10) NOT NULL)");
            JdbcStores stores = JdbcStores.builder(db.dataSource()).codec(InstanceChild.CODEC).build();
            var clock = new OffsetClock();
            MessageBus b = null;
            try (ChildJvm a = ChildJvm.start("instance-A", InstanceChild.class, url, "postgres", "A",
                    String.valueOf(POLL.toMillis()))) {
                long t0 = System.nanoTime();
                UUID aInstance = instanceOf(a.linesUntil("READY", WAIT), a);
                long aReady = System.nanoTime();

                // A polls an empty table; the entries come, due far ahead (adding them takes seconds),
                // then all made due at one instant a little later by one statement
                addAll(stores.scheduledEvents(), Instant.now().plus(Duration.ofDays(1)));
                Instant due = Instant.now().plus(DUE_IN);
                assertEquals(EVENTS, execute(db.dataSource(), "UPDATE llmgine_scheduled_events SET due_at_ns = "
                        + Times.toNanos(due)), "every entry made due at " + due);
                assertEquals(EVENTS, count(db.dataSource(), "SELECT COUNT(*) FROM llmgine_scheduled_events"));
                long added = System.nanoTime();

                // B starts on them: it loads every entry and fires it when due, and polls too
                b = MessageBus.builder().name("instance-B").clock(clock).scheduledEventStore(stores.scheduledEvents())
                        .scheduledStorePollInterval(POLL).build();
                b.registerEventHandler(Due.class, (event, ctx) -> InstanceChild.recordHandled(handlerPool, event.n(), "B"));
                b.start();
                int loadedByB = b.stats().scheduled().pending();
                boolean bBeforeDue = Instant.now().isBefore(due);
                String heldByASql = "SELECT id FROM llmgine_scheduled_events WHERE claimed_by = '" + aInstance + "'";
                // killed while it holds a batch it is firing (it does not between two batches: its next
                // claim is still uncommitted, so a kill then rolls it back and leaves nothing to take over)
                awaitUntil(() -> count(db.dataSource(), "SELECT COUNT(*) FROM handled") >= KILL_AFTER
                        && count(db.dataSource(), "SELECT COUNT(*) FROM handled WHERE instance = 'A'") > 0
                        && count(db.dataSource(), "SELECT COUNT(*) FROM handled WHERE instance = 'B'") > 0
                        && numbers(db.dataSource(), heldByASql).size() >= HELD_AT_KILL,
                        KILL_AFTER + " handled, by both, and A holding " + HELD_AT_KILL + " claims", a);

                assertTrue(a.isAlive(), "A runs until it is killed");
                int exit = a.kill(WAIT);
                assertEquals(ChildJvm.SIGKILL_EXIT, exit, () -> "A was killed by SIGKILL; its output:\n" + a.transcript());
                long killed = System.nanoTime();
                // what A held when it died: the only entries that may be handled twice
                Set<Integer> heldByA = numbers(db.dataSource(), heldByASql);
                long handledAtKill = count(db.dataSource(), "SELECT COUNT(*) FROM handled");
                long byAAtKill = count(db.dataSource(), "SELECT COUNT(*) FROM handled WHERE instance = 'A'");
                long leftAtKill = count(db.dataSource(), "SELECT COUNT(*) FROM llmgine_scheduled_events");
                assertTrue(leftAtKill > 0, "A was killed mid-way: " + leftAtKill + " entries left");
                assertTrue(!heldByA.isEmpty(), "A died holding claims, for B to take over");

                // B cannot take A's claims while their lease holds: it finishes everything else
                awaitUntil(() -> count(db.dataSource(), "SELECT COUNT(*) FROM llmgine_scheduled_events")
                        == heldByA.size(), "B firing everything A did not hold", a);
                assertEquals(heldByA, numbers(db.dataSource(), "SELECT id FROM llmgine_scheduled_events"),
                        "what is left is what A held");
                assertEquals(0, count(db.dataSource(), "SELECT COUNT(*) FROM handled WHERE instance = 'B' AND n IN ("
                        + inList(heldByA) + ")"), "B did not fire an entry A's live lease held");
                long beforeLease = System.nanoTime();

                clock.advance(PAST_THE_LEASE);
                awaitUntil(() -> count(db.dataSource(), "SELECT COUNT(*) FROM llmgine_scheduled_events") == 0
                        && count(db.dataSource(), "SELECT COUNT(DISTINCT n) FROM handled") == EVENTS,
                        "B taking over A's lapsed claims", a);
                assertTrue(b.awaitIdle(WAIT), "B idle");
                long done = System.nanoTime();

                Map<Integer, List<String>> byN = handled(db.dataSource());
                Set<Integer> missing = IntStream.rangeClosed(1, EVENTS).boxed().filter(n -> !byN.containsKey(n))
                        .collect(Collectors.toCollection(TreeSet::new));
                Map<Integer, List<String>> duplicates = byN.entrySet().stream().filter(e -> e.getValue().size() > 1)
                        .collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue));
                long byA = byN.values().stream().flatMap(List::stream).filter("A"::equals).count();
                long byB = byN.values().stream().flatMap(List::stream).filter("B"::equals).count();
                System.out.printf("two instances: A ready after %d ms; %d entries added in %d ms; B loaded %d (%s they"
                        + " were due); A killed %d ms after the adds with %d handled (%d by A), %d entries left, %d"
                        + " held by A; B finished the rest in %d ms and A's lapsed claims in %d ms; handled %d by A,"
                        + " %d by B; %d duplicates %s%n", ms(aReady - t0), EVENTS, ms(added - aReady), loadedByB,
                        bBeforeDue ? "before" : "after", ms(killed - added), handledAtKill, byAAtKill, leftAtKill,
                        heldByA.size(), ms(beforeLease - killed), ms(done - beforeLease), byA, byB, duplicates.size(),
                        duplicates);

                assertEquals(Set.of(), missing, () -> "every event handled; of the missing ones, held by A at the kill: "
                        + missing.stream().filter(heldByA::contains).toList() + "; the others were gone from the table"
                        + " at the kill: completed by A (the bus completes an entry once it queued the event, before a"
                        + " handler ran) or by B");
                assertTrue(heldByA.containsAll(duplicates.keySet()), () -> "handled twice only if A held it when it"
                        + " died; held by A: " + new TreeSet<>(heldByA) + ", handled twice: " + duplicates);
                assertTrue(duplicates.values().stream().allMatch(List.of("A", "B")::equals),
                        () -> "a duplicate is A's handling then B's, once each: " + duplicates);
                assertEquals(EVENTS + duplicates.size(), byA + byB);
            } finally {
                if (b != null) {
                    b.close();
                }
            }
        }
    }

    private static HikariDataSource pool(String url) {
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(url);
        config.setUsername("postgres");
        config.setPassword("");
        config.setMaximumPoolSize(8);
        config.setPoolName("instance-B-handler");
        return new HikariDataSource(config);
    }

    /** Adds the entries through the store, on 4 threads, every one due at {@code due}. */
    private static void addAll(JdbcScheduledEventStore store, Instant due) throws Exception {
        UUID origin = UUID.randomUUID();
        ExecutorService threads = Executors.newFixedThreadPool(4);
        try {
            List<Future<?>> parts = new ArrayList<>();
            for (int part = 0; part < 4; part++) {
                int first = part;
                parts.add(threads.submit(() -> {
                    for (int n = first + 1; n <= EVENTS; n += 4) {
                        store.add(new StoredScheduledEvent(new MessageId(origin, MessageId.Kind.SCHEDULED, n),
                                new Due(n), null, due, Headers.empty(), 50));
                    }
                    return null;
                }));
            }
            for (Future<?> part : parts) {
                part.get(WAIT.toSeconds(), TimeUnit.SECONDS);
            }
        } finally {
            threads.shutdownNow();
        }
    }

    private static UUID instanceOf(List<String> lines, ChildJvm child) {
        return lines.stream().filter(l -> l.startsWith("INSTANCE ")).map(l -> UUID.fromString(l.substring(9)))
                .findFirst().orElseThrow(() -> new AssertionError("no INSTANCE line from A:\n" + child.transcript()));
    }

    /** A condition that reads the database (and may fail doing so). */
    @FunctionalInterface
    private interface Check {
        boolean holds() throws SQLException;
    }

    private static void awaitUntil(Check condition, String what, ChildJvm a) throws SQLException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!condition.holds()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError(what + " within " + WAIT + "; A's output:\n" + a.transcript());
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(10)); // between two queries, not to make time pass
        }
    }

    /** Runs one statement; its update count. */
    private static int execute(DataSource dataSource, String sql) throws SQLException {
        try (Connection c = dataSource.getConnection(); Statement s = c.createStatement()) {
            return s.execute(sql) ? 0 : s.getUpdateCount();
        }
    }

    private static long count(DataSource dataSource, String sql) throws SQLException {
        try (Connection c = dataSource.getConnection(); Statement s = c.createStatement();
                var r = s.executeQuery(sql)) {
            r.next();
            return r.getLong(1);
        }
    }

    /** The entries' numbers (their ids' sequences) of the ids a query returns. */
    private static Set<Integer> numbers(DataSource dataSource, String sql) throws SQLException {
        Set<Integer> out = new HashSet<>();
        try (Connection c = dataSource.getConnection(); Statement s = c.createStatement();
                var r = s.executeQuery(sql)) {
            while (r.next()) {
                out.add(Math.toIntExact(MessageId.parse(r.getString(1)).sequence()));
            }
        }
        return out;
    }

    private static Map<Integer, List<String>> handled(DataSource dataSource) throws SQLException {
        Map<Integer, List<String>> out = new HashMap<>();
        try (Connection c = dataSource.getConnection(); Statement s = c.createStatement();
                var r = s.executeQuery("SELECT n, instance FROM handled ORDER BY n, instance")) {
            while (r.next()) {
                out.computeIfAbsent(r.getInt(1), k -> new ArrayList<>()).add(r.getString(2));
            }
        }
        return out;
    }

    private static String inList(Set<Integer> numbers) {
        return numbers.isEmpty() ? "NULL" : numbers.stream().map(String::valueOf).collect(Collectors.joining(", "));
    }

    private static long ms(long nanos) {
        return TimeUnit.NANOSECONDS.toMillis(nanos);
    }
}
