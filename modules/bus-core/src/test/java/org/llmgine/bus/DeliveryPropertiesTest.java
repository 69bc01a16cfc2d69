package org.llmgine.bus;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.lists;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.llmgine.bus.handler.HandlerOptions;
import org.llmgine.bus.handler.Priority;
import org.llmgine.bus.message.Event;
import org.quicktheories.core.Gen;

/**
 * Properties of delivery under random sessions, publishers and interleavings: FIFO per session per
 * handler, session isolation, exactly-once delivery to every matching handler, and priority groups.
 */
final class DeliveryPropertiesTest {

    /** An event sent by {@code publisher} as its {@code seq}-th event, to session {@code target} (-1: bus scope). */
    record Msg(int publisher, int seq, int target) implements Event {}

    /**
     * A random run: how many sessions and publishers, where each event goes, how many handlers
     * each session has, and how many bus-scope handlers there are.
     */
    record Scenario(int sessions, int publishers, List<Integer> targets, int handlersPerSession, int busHandlers) {
    }

    private static Gen<Scenario> scenarios() {
        return integers().between(1, 8).zip(integers().between(1, 4), integers().between(1, 3),
                integers().between(0, 2), (sessions, publishers, perSession, busHandlers) -> new int[] {sessions,
                        publishers, perSession, busHandlers})
                .flatMap(p -> lists().of(integers().between(-1, p[0] - 1)).ofSizeBetween(1, 300)
                        .map(targets -> new Scenario(p[0], p[1], targets, p[2], p[3])));
    }

    @Test
    void fifoPerSessionPerHandler_sessionIsolation_exactlyOnce() {
        qt().withExamples(40).withShrinkCycles(20).forAll(scenarios()).checkAssert(DeliveryPropertiesTest::runDelivery);
    }

    private static void runDelivery(Scenario scenario) {
        Map<String, ConcurrentLinkedQueue<Msg>> received = new HashMap<>();
        try (var bus = MessageBus.builder().name("prop-delivery").start()) {
            List<Session> sessions = new ArrayList<>();
            for (int s = 0; s < scenario.sessions(); s++) {
                Session session = bus.openSession("s" + s);
                sessions.add(session);
                for (int h = 0; h < scenario.handlersPerSession(); h++) {
                    var log = new ConcurrentLinkedQueue<Msg>();
                    received.put("s" + s + "/h" + h, log);
                    session.subscribe(Msg.class, log::add);
                }
            }
            for (int h = 0; h < scenario.busHandlers(); h++) {
                var log = new ConcurrentLinkedQueue<Msg>();
                received.put("bus/h" + h, log);
                bus.subscribe(Msg.class, log::add);
            }
            List<List<Msg>> perPublisher = split(scenario);
            runConcurrently(perPublisher.size(), p -> {
                for (Msg msg : perPublisher.get(p)) {
                    MessageScope scope = msg.target() < 0 ? bus : sessions.get(msg.target());
                    assertTrue(scope.publish(msg).isAccepted());
                }
            });
            assertTrue(bus.awaitIdle(Duration.ofSeconds(30)));
            sessions.forEach(Session::close);
        } catch (InterruptedException e) {
            throw new IllegalStateException(e);
        }

        List<Msg> all = split(scenario).stream().flatMap(List::stream).toList();
        received.forEach((handler, log) -> {
            List<Msg> got = List.copyOf(log);
            List<Msg> expected = handler.startsWith("bus/") ? all
                    : all.stream().filter(m -> handler.startsWith("s" + m.target() + "/")).toList();
            // exactly once, and isolation: the handler got precisely the events of its scope
            assertEquals(count(expected), count(got), handler + " did not get each of its events exactly once");
            // FIFO: per target session and publisher, events arrive in publish order
            Map<List<Integer>, List<Integer>> orders = got.stream().collect(Collectors.groupingBy(
                    m -> List.of(m.target(), m.publisher()), Collectors.mapping(Msg::seq, Collectors.toList())));
            orders.forEach((key, seqs) -> assertEquals(seqs.stream().sorted().toList(), seqs,
                    handler + " saw events of session/publisher " + key + " out of order"));
        });
    }

    private static Map<Msg, Long> count(List<Msg> msgs) {
        return msgs.stream().collect(Collectors.groupingBy(m -> m, Collectors.counting()));
    }

    /** Deals the scenario's events round-robin to its publishers, numbering each publisher's events. */
    private static List<List<Msg>> split(Scenario scenario) {
        List<List<Msg>> perPublisher = new ArrayList<>();
        for (int p = 0; p < scenario.publishers(); p++) {
            perPublisher.add(new ArrayList<>());
        }
        for (int i = 0; i < scenario.targets().size(); i++) {
            int p = i % scenario.publishers();
            perPublisher.get(p).add(new Msg(p, perPublisher.get(p).size(), scenario.targets().get(i)));
        }
        return perPublisher;
    }

    interface Worker {
        void run(int index) throws Exception;
    }

    /** Runs {@code workers} bodies on virtual threads that start together, and rethrows the first failure. */
    static void runConcurrently(int workers, Worker body) {
        var go = new CountDownLatch(1);
        var failures = new ConcurrentLinkedQueue<Throwable>();
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < workers; i++) {
            int index = i;
            threads.add(Thread.ofVirtual().start(() -> {
                try {
                    go.await();
                    body.run(index);
                } catch (Throwable t) {
                    failures.add(t);
                }
            }));
        }
        go.countDown();
        for (Thread thread : threads) {
            try {
                thread.join(Duration.ofSeconds(60));
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        }
        if (!failures.isEmpty()) {
            var error = new AssertionError("a worker failed", failures.peek());
            failures.stream().skip(1).forEach(error::addSuppressed);
            throw error;
        }
    }

    // ------------------------------------------------------------------ priority groups

    private static final int[] LEVELS = {Priority.HIGHEST, Priority.HIGH, Priority.NORMAL, Priority.LOW, Priority.LOWEST};

    /** One handler invocation: which handler, for which event, when it started and ended on a shared counter. */
    record Span(int handler, Msg event, long start, long end) {}

    /**
     * A random priority run: the levels of the bus-scope handlers and of each session's handlers,
     * how many publishers, and the events' targets (-1: bus scope).
     */
    record PriorityRun(List<Integer> busLevels, List<List<Integer>> sessionLevels, int publishers, List<Integer> targets,
            int work) {
    }

    private static Gen<PriorityRun> priorityRuns() {
        Gen<List<Integer>> levels = lists().of(integers().between(0, LEVELS.length - 1)).ofSizeBetween(0, 5);
        return levels.zip(lists().of(levels).ofSizeBetween(1, 4), integers().between(1, 3), integers().between(0, 20),
                (bus, sessions, publishers, work) -> new PriorityRun(bus, sessions, publishers, List.of(), work))
                .flatMap(run -> lists().of(integers().between(-1, run.sessionLevels().size() - 1)).ofSizeBetween(1, 40)
                        .map(targets -> new PriorityRun(run.busLevels(), run.sessionLevels(), run.publishers(), targets,
                                run.work())));
    }

    @Test
    void everyHandlerOfAnEarlierGroupFinishes_beforeAnyHandlerOfALaterGroupStarts() {
        qt().withExamples(40).withShrinkCycles(20).forAll(priorityRuns()).checkAssert(DeliveryPropertiesTest::runPriorities);
    }

    private static void runPriorities(PriorityRun run) {
        var clock = new AtomicLong();
        var spans = new ConcurrentLinkedQueue<Span>();
        Map<Integer, Integer> levelOf = new HashMap<>();
        Map<Integer, Integer> scopeOf = new HashMap<>();
        try (var bus = MessageBus.builder().name("prop-priority").start()) {
            List<Session> sessions = new ArrayList<>();
            for (int s = 0; s < run.sessionLevels().size(); s++) {
                sessions.add(bus.openSession("s" + s));
            }
            int handler = 0;
            for (int scope = -1; scope < sessions.size(); scope++) {
                List<Integer> levels = scope < 0 ? run.busLevels() : run.sessionLevels().get(scope);
                MessageScope target = scope < 0 ? bus : sessions.get(scope);
                for (int level : levels) {
                    int id = handler++;
                    levelOf.put(id, LEVELS[level]);
                    scopeOf.put(id, scope);
                    target.subscribe(Msg.class, HandlerOptions.priority(LEVELS[level]), m -> {
                        long start = clock.incrementAndGet();
                        for (int i = 0; i < run.work(); i++) {
                            Thread.yield();
                        }
                        spans.add(new Span(id, m, start, clock.incrementAndGet()));
                    });
                }
            }
            var scenario = new Scenario(sessions.size(), run.publishers(), run.targets(), 0, 0);
            List<List<Msg>> perPublisher = split(scenario);
            runConcurrently(perPublisher.size(), p -> {
                for (Msg msg : perPublisher.get(p)) {
                    (msg.target() < 0 ? bus : sessions.get(msg.target())).publish(msg);
                }
            });
            assertTrue(bus.awaitIdle(Duration.ofSeconds(30)));
            sessions.forEach(Session::close);
        } catch (InterruptedException e) {
            throw new IllegalStateException(e);
        }

        Map<Msg, List<Span>> byEvent = spans.stream().collect(Collectors.groupingBy(Span::event));
        for (Msg msg : split(new Scenario(run.sessionLevels().size(), run.publishers(), run.targets(), 0, 0)).stream()
                .flatMap(List::stream).toList()) {
            long expected = levelOf.keySet().stream()
                    .filter(h -> scopeOf.get(h) < 0 || scopeOf.get(h) == msg.target()).count();
            List<Span> list = byEvent.getOrDefault(msg, List.of());
            assertEquals(expected, list.size(), "each matching handler runs once for " + msg);
            for (Span a : list) {
                for (Span b : list) {
                    if (levelOf.get(a.handler()) < levelOf.get(b.handler())) {
                        assertTrue(a.end() < b.start(), msg + ": handler " + b.handler()
                                + " started before the earlier-group handler " + a.handler() + " ended");
                    }
                }
            }
        }
    }
}
