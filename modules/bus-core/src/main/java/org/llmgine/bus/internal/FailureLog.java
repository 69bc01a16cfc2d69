package org.llmgine.bus.internal;

import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.ReentrantLock;
import org.llmgine.bus.Ticker;

/**
 * Logs handler failures without flooding the log: the first failure of a handler on an event type
 * with an exception type is logged in full (message and stack trace); the same failure again
 * within the interval is only counted, and the count goes into the next full line (the first such
 * failure after the interval) or into a summary line when the bus closes. Distinct failures are
 * tracked up to a bound (the least recently seen is forgotten past it), so a storm of different
 * failures cannot grow it. An interval of zero logs every failure.
 *
 * <p>Concurrency: failures are rare next to events; one ReentrantLock guards the map.
 */
final class FailureLog {

    private static final int MAX_KEYS = 1024;

    private record Key(String handler, Class<?> eventType, Class<?> failure) {
    }

    private static final class Window {
        long startedNanos;
        long suppressed;
        String lastMessage = "";

        Window(long startedNanos) {
            this.startedNanos = startedNanos;
        }
    }

    private final Logger log;
    private final Ticker ticker;
    private final long intervalNanos;
    private final Duration interval;
    private final String busName;
    private final ReentrantLock lock = new ReentrantLock();
    private final LinkedHashMap<Key, Window> windows = new LinkedHashMap<>(16, 0.75f, true) {
        private static final long serialVersionUID = 1L;

        @Override
        protected boolean removeEldestEntry(Map.Entry<Key, Window> eldest) {
            return size() > MAX_KEYS;
        }
    };

    FailureLog(Logger log, Ticker ticker, Duration interval, String busName) {
        this.log = log;
        this.ticker = ticker;
        this.interval = interval;
        this.intervalNanos = interval.toNanos();
        this.busName = busName;
    }

    /**
     * A handler failed: logs it in full, or counts it if the same failure was logged within the
     * interval. {@code where} names the event (its type, id and session; never its payload).
     */
    void failed(Level level, String handler, Class<?> eventType, Throwable failure, String where) {
        if (!log.isLoggable(level)) {
            return;
        }
        String line = "handler " + handler + " of bus '" + busName + "' failed on " + where;
        if (intervalNanos > 0) {
            long now = ticker.read();
            long suppressed;
            lock.lock();
            try {
                Key key = new Key(handler, eventType, failure.getClass());
                Window window = windows.get(key);
                if (window != null && now - window.startedNanos < intervalNanos) {
                    window.suppressed++;
                    window.lastMessage = String.valueOf(failure.getMessage());
                    return;
                }
                suppressed = window == null ? 0 : window.suppressed;
                windows.put(key, new Window(now));
            } finally {
                lock.unlock();
            }
            if (suppressed > 0) {
                line += "; the same failure happened " + suppressed + " more times since the last warning of it";
            }
            line += " (repeats within " + interval + " are counted, not logged)";
        }
        log.log(level, line, failure);
    }

    /** Logs one summary line per failure that was counted but not logged since its last full line. */
    void flush() {
        List<String> lines = new ArrayList<>();
        lock.lock();
        try {
            windows.forEach((key, window) -> {
                if (window.suppressed > 0) {
                    lines.add("handler " + key.handler() + " of bus '" + busName + "' failed " + window.suppressed
                            + " more times on " + key.eventType().getSimpleName() + " with "
                            + key.failure().getName() + " since the last warning of it (last message: "
                            + window.lastMessage + ")");
                    window.suppressed = 0;
                }
            });
        } finally {
            lock.unlock();
        }
        lines.forEach(line -> log.log(Level.WARNING, line));
    }
}
