package org.llmgine.bus.benchmarks.jmh;

import java.util.concurrent.locks.LockSupport;
import org.jspecify.annotations.Nullable;
import org.llmgine.bus.MessageBus;
import org.llmgine.bus.benchmarks.jmh.StoreRows.Table;
import org.llmgine.bus.store.jdbc.EventLogStats;
import org.llmgine.bus.store.jdbc.JdbcEventLog;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * The event log of {@link StoreBenchmark#eventLog} and the bus it observes (its writer starts when
 * the bus does); started for the {@code STORE} writer only. A state of its own, set up after the
 * benchmark's (it takes the trial's stores) and torn down before it (an iteration's rows are all
 * written before the tables are counted).
 */
@State(Scope.Benchmark)
public class EventLogState {

    private @Nullable JdbcEventLog log;
    private @Nullable MessageBus bus;
    private long offered;

    /** Creates the state; JMH calls this. */
    public EventLogState() {
    }

    /**
     * Starts a bus with the event log as its observer (default buffer of 10,000, batches of 500),
     * if the store is the writer.
     *
     * @param bench the trial's database and stores
     * @param way who writes
     */
    @Setup(Level.Trial)
    public void start(StoreBenchmark bench, StoreBenchmark.Way way) {
        if (way.writer != StoreBenchmark.Writer.STORE) {
            return;
        }
        JdbcEventLog l = bench.stores().eventLog().build();
        bus = MessageBus.builder().name(StoreRows.BUS).addObserver(l).start();
        log = l;
    }

    /**
     * Primes the writer with two batches, so that it is as far behind at the start of the
     * iteration as during it.
     *
     * @param bench the trial's rows and counts
     */
    @Setup(Level.Iteration)
    public void prime(StoreBenchmark bench) {
        if (log != null) {
            offer(bench.rows(), bench, StoreBenchmark.LOG_AHEAD);
        }
    }

    /**
     * Waits until the writer wrote everything handed over; fails if it dropped a row, or the
     * database refused a batch (retried, it would distort the figure).
     *
     * @throws InterruptedException if interrupted while waiting
     */
    @TearDown(Level.Iteration)
    public void drain() throws InterruptedException {
        JdbcEventLog l = log;
        if (l == null) {
            return;
        }
        if (!l.awaitWritten(StoreBenchmark.WAIT)) {
            throw new IllegalStateException("the event log did not write its rows within " + StoreBenchmark.WAIT
                    + ": " + l.stats());
        }
        EventLogStats stats = l.stats();
        if (stats.dropped() != 0 || stats.failed() != 0 || stats.refusedWrites() != 0
                || stats.written() != offered) {
            throw new IllegalStateException("the event log dropped, retried or lost rows (" + offered
                    + " handed over): " + stats);
        }
    }

    /** Closes the bus, which stops the log's writer. */
    @TearDown(Level.Trial)
    public void stop() {
        MessageBus b = bus;
        bus = null;
        log = null;
        if (b != null) {
            b.close();
        }
    }

    /** Hands {@code count} accepted events to the log, counting them as written. */
    void offer(StoreRows rows, StoreBenchmark bench, int count) {
        JdbcEventLog l = started();
        for (int i = 0; i < count; i++) {
            l.onAccepted(rows.acceptedEvent(bench.nextSeq()), 0);
        }
        offered += count;
        bench.wrote(Table.EVENT_LOG, count);
    }

    /** Parks until the log's writer is at most {@code rows} behind what was handed over. */
    void awaitBehind(int rows) {
        JdbcEventLog l = started();
        long deadline = System.nanoTime() + StoreBenchmark.WAIT.toNanos();
        while (true) {
            EventLogStats s = l.stats();
            if (s.written() + s.dropped() + s.failed() >= offered - rows) {
                return;
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("the event log's writer stayed more than " + rows
                        + " rows behind for " + StoreBenchmark.WAIT + ": " + s);
            }
            LockSupport.parkNanos(50_000);
        }
    }

    private JdbcEventLog started() {
        JdbcEventLog l = log;
        if (l == null) {
            throw new IllegalStateException("the event log is started for writer STORE only");
        }
        return l;
    }
}
