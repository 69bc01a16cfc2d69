package org.llmgine.bus.middleware;

import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import org.llmgine.bus.Ticker;
import org.llmgine.bus.handler.CommandContext;
import org.llmgine.bus.handler.EventContext;
import org.llmgine.bus.handler.HandlerInfo;
import org.llmgine.bus.message.Command;
import org.llmgine.bus.message.CommandResult;
import org.llmgine.bus.message.Event;

/**
 * Times every command execution and event handler invocation per message class, failures
 * included. Memory is bounded by the number of message classes: each keeps a count, a sum, a
 * minimum and a maximum (no list of samples). For percentiles use the metrics module.
 *
 * <p>Concurrency: one accumulator per class in a {@link ConcurrentHashMap}; the count and sum are
 * {@link LongAdder}s and min/max are updated with {@link AtomicLong#accumulateAndGet}, so recording
 * never blocks. A snapshot read while recording runs may mix a new count with an older sum.
 */
public final class TimingMiddleware implements CommandMiddleware, EventMiddleware {

    private final Ticker ticker;
    private final ConcurrentHashMap<Class<?>, Accumulator> commands = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<Class<?>, Accumulator> events = new ConcurrentHashMap<>();

    /**
     * Creates a timing middleware on the system ticker.
     */
    public TimingMiddleware() {
        this(Ticker.system());
    }

    /**
     * Creates a timing middleware on the given ticker.
     *
     * @param ticker the source of durations
     */
    public TimingMiddleware(Ticker ticker) {
        this.ticker = Objects.requireNonNull(ticker, "ticker");
    }

    @Override
    public <R> CommandResult<R> handle(Command<R> command, CommandContext context, CommandChain<R> chain)
            throws Exception {
        long start = ticker.read();
        try {
            return chain.proceed();
        } finally {
            commands.computeIfAbsent(command.getClass(), k -> new Accumulator()).record(ticker.read() - start);
        }
    }

    @Override
    public void handle(Event event, EventContext context, HandlerInfo handler, EventChain chain) throws Exception {
        long start = ticker.read();
        try {
            chain.proceed();
        } finally {
            events.computeIfAbsent(event.getClass(), k -> new Accumulator()).record(ticker.read() - start);
        }
    }

    /**
     * Returns the timings of command executions per command class.
     *
     * @return an immutable snapshot
     */
    public Map<Class<?>, TimingStats> commandTimings() {
        return snapshot(commands);
    }

    /**
     * Returns the timings of event handler invocations per event class.
     *
     * @return an immutable snapshot
     */
    public Map<Class<?>, TimingStats> eventTimings() {
        return snapshot(events);
    }

    private static Map<Class<?>, TimingStats> snapshot(Map<Class<?>, Accumulator> source) {
        var copy = new java.util.HashMap<Class<?>, TimingStats>();
        source.forEach((type, accumulator) -> copy.put(type, accumulator.stats()));
        return Map.copyOf(copy);
    }

    private static final class Accumulator {
        private final LongAdder count = new LongAdder();
        private final LongAdder total = new LongAdder();
        private final AtomicLong min = new AtomicLong(Long.MAX_VALUE);
        private final AtomicLong max = new AtomicLong(Long.MIN_VALUE);

        void record(long nanos) {
            count.increment();
            total.add(nanos);
            min.accumulateAndGet(nanos, Math::min);
            max.accumulateAndGet(nanos, Math::max);
        }

        TimingStats stats() {
            long n = count.sum();
            return new TimingStats(n, Duration.ofNanos(total.sum()), Duration.ofNanos(n == 0 ? 0 : min.get()),
                    Duration.ofNanos(n == 0 ? 0 : max.get()));
        }
    }
}
