package org.llmgine.bus.store.jdbc;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.llmgine.bus.MessageBus;
import org.llmgine.bus.ScheduledEvent;
import org.llmgine.bus.codec.JsonCodec;
import org.llmgine.bus.message.Command;
import org.llmgine.bus.message.CommandResult;
import org.llmgine.bus.message.Event;
import org.llmgine.bus.message.Headers;
import org.llmgine.bus.message.MessageId;
import org.llmgine.bus.resilience.DeadLetter;
import org.llmgine.bus.resilience.DeadLetterQueue;
import org.llmgine.bus.resilience.Pipeline;
import org.llmgine.bus.resilience.ResiliencePolicy;

/**
 * The child JVM of {@link CrashSafetyTest}: on the database it is given, it leaves pending work
 * in every durable store, says what it left, and keeps running until it is killed.
 *
 * <p>Arguments: JDBC URL, user, then how many scheduled events, dead letters, outbox rows and
 * in-flight outbox rows (claimed, never completed) to leave. Output, one line each, flushed:
 * {@code SCHEDULED <id> <tag>}, {@code DEAD <id> <item>}, {@code OUTBOX <id>}, {@code INFLIGHT <id>},
 * {@code UNCOMMITTED <id>} (a row inserted in a transaction left open), then {@code READY}; any
 * failure prints {@code FAILED} with the stack trace and exits with 2.
 */
final class CrashChild {

    /** The scheduled (and outbox) event. */
    record Tick(String tag) implements Event {}

    /** The command whose handler always throws, so every one is dead-lettered. */
    record Charge(String item) implements Command<String> {}

    static final JsonCodec CODEC = JsonCodec.builder().register("crash.Tick", Tick.class)
            .register("crash.Charge", Charge.class).build();
    static final String QUEUE = "crash";
    static final String OUTBOX = "crash";
    /** How far ahead the child schedules its events: none is due while it runs. */
    static final Duration DUE_IN = Duration.ofDays(1);
    /** The lease of the child's outbox claims. */
    static final Duration OUTBOX_LEASE = Duration.ofMinutes(10);

    private static final PrintStream OUT = new PrintStream(System.out, true, StandardCharsets.UTF_8);

    private CrashChild() {
    }

    public static void main(String[] args) {
        ChildJvm.exitWithParent();
        try {
            run(args[0], args[1], Integer.parseInt(args[2]), Integer.parseInt(args[3]), Integer.parseInt(args[4]),
                    Integer.parseInt(args[5]));
        } catch (Throwable t) {
            OUT.println("FAILED");
            t.printStackTrace(OUT);
            OUT.flush();
            System.exit(2);
        }
    }

    private static void say(String line) {
        OUT.println(line);
        OUT.flush();
    }

    private static void run(String url, String user, int scheduled, int dead, int outboxRows, int inFlight)
            throws Exception {
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(url);
        config.setUsername(user);
        config.setPassword("");
        config.setMaximumPoolSize(4);
        config.setPoolName("crash-child");
        HikariDataSource pool = new HikariDataSource(config);
        JdbcStores stores = JdbcStores.builder(pool).codec(CODEC).build();

        // scheduled events, due long after the child is gone
        MessageBus bus = MessageBus.builder().name("crash-child").scheduledEventStore(stores.scheduledEvents()).start();
        AtomicLong alive = new AtomicLong();
        bus.registerEventHandler(Tick.class, (tick, ctx) -> alive.incrementAndGet());
        for (int i = 0; i < scheduled; i++) {
            String tag = "tick-" + i;
            ScheduledEvent entry = bus.schedule(new Tick(tag), DUE_IN.plusSeconds(i));
            say("SCHEDULED " + entry.id() + " " + tag);
        }

        // dead letters: commands whose handler throws, through a policy and a queue on the store
        var dlq = DeadLetterQueue.builder().store(stores.deadLetters(QUEUE)).build();
        var policy = ResiliencePolicy.builder().commands(Charge.class, Pipeline.of()).deadLetterQueue(dlq).build();
        MessageBus payments = policy.installOn(MessageBus.builder().name("crash-payments")).build();
        payments.registerCommand(Charge.class, (charge, ctx) -> {
            throw new IllegalStateException("card declined for " + charge.item());
        });
        payments.start();
        for (int i = 0; i < dead; i++) {
            CommandResult<String> result = payments.getOrOpenSession("buyer-" + i % 3)
                    .execute(new Charge("item-" + i), Duration.ofSeconds(10));
            if (!(result instanceof CommandResult.Failure<String>)) {
                throw new IllegalStateException("charge " + i + " did not fail: " + result);
            }
        }
        var deadStore = stores.deadLetters(QUEUE);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (deadStore.pending().size() < dead) { // the queue writes its store as the failure is handled
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("the dead letter store has " + deadStore.pending().size() + " of "
                        + dead + " entries after 10 s");
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5));
        }
        List<DeadLetter> letters = dlq.list();
        if (letters.size() != dead) {
            throw new IllegalStateException("the queue lists " + letters.size() + " of " + dead + " dead letters");
        }
        for (DeadLetter letter : letters) {
            say("DEAD " + letter.id() + " " + ((Charge) letter.message()).item());
        }

        // outbox rows, some of them claimed by this instance and never completed
        JdbcOutbox outbox = stores.outbox(OUTBOX);
        UUID origin = UUID.randomUUID();
        for (int i = 1; i <= outboxRows; i++) {
            MessageId id = new MessageId(origin, MessageId.Kind.EVENT, i);
            outbox.add(OutboxEntry.of(id, new Tick("out-" + i), "chat-" + i % 2, Headers.of("n", String.valueOf(i)),
                    "crash-topic", null, Instant.now()));
            say("OUTBOX " + id);
        }
        Instant now = Instant.now();
        for (OutboxEntry entry : outbox.claimBatch(bus.instanceId(), now, now.plus(OUTBOX_LEASE), inFlight)) {
            say("INFLIGHT " + entry.id());
        }

        // a row in a transaction that is never committed: the kill must roll it back
        MessageId ghost = new MessageId(origin, MessageId.Kind.EVENT, 1_000_000);
        Connection open = pool.getConnection();
        open.setAutoCommit(false);
        try (PreparedStatement s = open.prepareStatement("INSERT INTO " + stores.tablePrefix() + "outbox (outbox_name,"
                + " id, session_id, type_id, payload, headers, destination, record_key, state, attempts, not_before_ns,"
                + " created_at_ns) VALUES (?, ?, NULL, 'crash.Tick', '{\"tag\":\"ghost\"}', '{}', 'crash-topic', NULL,"
                + " 'PENDING', 0, 0, 0)")) {
            s.setString(1, OUTBOX);
            s.setString(2, ghost.toString());
            s.executeUpdate();
        }
        say("UNCOMMITTED " + ghost);
        say("READY");

        // keep working until killed: the bus publishes and handles events, the transaction stays open
        while (true) {
            bus.publish(new Tick("alive-" + alive.get()));
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(2));
        }
    }
}
