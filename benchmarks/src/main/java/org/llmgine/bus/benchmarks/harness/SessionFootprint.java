package org.llmgine.bus.benchmarks.harness;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.time.Duration;
import java.util.Map;
import org.llmgine.bus.MessageBus;
import org.llmgine.bus.Session;
import org.llmgine.bus.benchmarks.peer.Tick;

/**
 * What an open session costs in retained heap: 20,000 sessions are opened on a fresh bus (with one
 * bus-scope handler), and the heap in use after a forced GC is compared before and after; the same
 * again once each session has one handler of its own, and once each has handled one event and gone
 * idle. The difference divided by the number of sessions is what one idle session keeps alive,
 * including its id and the bus's entry for it.
 */
final class SessionFootprint {

    private static final int SESSIONS = 20_000;

    private SessionFootprint() {
    }

    /**
     * Measures, in bytes per session: {@code idle_session_bytes} (open, no handler of its own),
     * {@code session_with_handler_bytes} (one handler), {@code session_after_event_bytes} (that
     * handler ran once).
     *
     * @return the three figures
     * @throws InterruptedException if interrupted while waiting for the events
     */
    static Map<String, Object> measure() throws InterruptedException {
        MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
        try (MessageBus bus = MessageBus.builder().name("footprint").start()) {
            bus.subscribe(Tick.class, t -> { });
            Session[] sessions = new Session[SESSIONS];
            long before = usedAfterGc(memory);
            for (int i = 0; i < SESSIONS; i++) {
                sessions[i] = bus.openSession("s" + i);
            }
            long bare = usedAfterGc(memory);
            for (Session session : sessions) {
                session.subscribe(Tick.class, t -> { });
            }
            long withHandler = usedAfterGc(memory);
            for (int i = 0; i < SESSIONS; i++) {
                sessions[i].publish(new Tick(i, 0, 0));
            }
            if (!bus.awaitIdle(Duration.ofSeconds(30))) {
                throw new IllegalStateException("the footprint bus did not go idle");
            }
            long afterEvent = usedAfterGc(memory);
            return Row.of("idle_session_bytes", (bare - before) / SESSIONS,
                    "session_with_handler_bytes", (withHandler - before) / SESSIONS,
                    "session_after_event_bytes", (afterEvent - before) / SESSIONS);
        }
    }

    private static long usedAfterGc(MemoryMXBean memory) {
        for (int i = 0; i < 3; i++) {
            System.gc();
        }
        return memory.getHeapMemoryUsage().getUsed();
    }
}
