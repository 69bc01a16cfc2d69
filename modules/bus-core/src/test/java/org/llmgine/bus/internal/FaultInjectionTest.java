package org.llmgine.bus.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;
import org.llmgine.bus.BusStats;
import org.llmgine.bus.MessageBus;
import org.llmgine.bus.handler.HandlerOptions;
import org.llmgine.bus.message.Command;
import org.llmgine.bus.message.CommandResult;
import org.llmgine.bus.message.Event;
import org.llmgine.bus.message.FailureCause;
import org.llmgine.bus.spi.BusObserver;
import org.llmgine.bus.spi.MessageView;
import org.llmgine.bus.spi.InMemoryScheduledEventStore;

/**
 * Thread starts that fail (the JVM out of native threads, a scheduler shutting down) never wedge a
 * lane or lose an event: every event ends in a counted state and awaitIdle returns.
 */
final class FaultInjectionTest {

    record Job(int n) implements Event {}

    record Ask() implements Command<String> {}

    /** Fails the first {@code times} starts of threads whose name matches, then starts normally. */
    static final class FailingStarter implements BusThreads.Starter {
        final AtomicInteger failuresLeft;
        final AtomicInteger failed = new AtomicInteger();
        final Predicate<String> which;

        FailingStarter(int times, Predicate<String> which) {
            this.failuresLeft = new AtomicInteger(times);
            this.which = which;
        }

        @Override
        public void start(Thread thread) {
            admit(thread.getName());
            thread.start();
        }

        @Override
        public void admit(String name) {
            if (which.test(name) && failuresLeft.getAndDecrement() > 0) {
                failed.incrementAndGet();
                throw new OutOfMemoryError("unable to create native thread: injected by the test");
            }
        }
    }

    private static DefaultMessageBus bus(String name, FailingStarter starter) {
        return new DefaultMessageBus(MessageBus.builder().name(name).config(), starter);
    }

    @Test
    void aWorkerThatFailsToStart_isReplaced_andEveryEventIsDelivered() throws Exception {
        var starter = new FailingStarter(1, name -> name.contains("-worker-"));
        try (var bus = bus("no-worker-once", starter)) {
            var seen = new AtomicInteger();
            bus.subscribe(Job.class, job -> seen.incrementAndGet());
            bus.start();
            var session = bus.openSession("s");
            for (int i = 0; i < 100; i++) {
                bus.publish(new Job(i));
                session.publish(new Job(i));
            }

            assertTrue(bus.awaitIdle(Duration.ofSeconds(10)), "a lane was left without a worker: " + bus.stats());
            assertEquals(1, starter.failed.get());
            assertEquals(200, seen.get());
            BusStats stats = bus.stats();
            assertEquals(200, stats.events().delivered());
            assertEquals(0, stats.queue().size());
        }
    }

    @Test
    void aHandlerThreadThatFailsToStart_runsItsHandlerOnTheWorker_andNoEventIsLost() throws Exception {
        var starter = new FailingStarter(1, name -> name.endsWith("-handler"));
        try (var bus = bus("no-fork-once", starter)) {
            var counts = new AtomicInteger[] {new AtomicInteger(), new AtomicInteger(), new AtomicInteger()};
            for (int h = 0; h < 3; h++) {
                AtomicInteger count = counts[h];
                bus.subscribe(Job.class, HandlerOptions.named("h" + h), job -> count.incrementAndGet());
            }
            for (int i = 0; i < 50; i++) {
                bus.publish(new Job(i));
            }
            bus.start(); // the 50 jobs form one fan-out run: 2 forks, the first fails
            assertTrue(bus.awaitIdle(Duration.ofSeconds(10)), bus.stats().toString());

            assertEquals(1, starter.failed.get());
            for (AtomicInteger count : counts) {
                assertEquals(50, count.get());
            }
            assertEquals(50, bus.stats().events().delivered());
            assertEquals(0, bus.stats().queue().size());
        }
    }

    @Test
    void aCommandWhoseThreadFailsToStart_failsAsRejected_andTheNextOneRuns() throws Exception {
        var starter = new FailingStarter(1, name -> name.endsWith("-command"));
        try (var bus = bus("no-command-once", starter)) {
            bus.registerCommand(Ask.class, (cmd, ctx) -> "answer");
            bus.start();

            CommandResult<String> first = bus.execute(new Ask(), Duration.ofSeconds(5));
            CommandResult<String> second = bus.execute(new Ask(), Duration.ofSeconds(5));

            var failure = assertInstanceOf(CommandResult.Failure.class, first);
            assertInstanceOf(FailureCause.Rejected.class, failure.cause());
            assertEquals("answer", second.orThrow());
            assertTrue(bus.awaitIdle(Duration.ofSeconds(5)));
            assertEquals(2, bus.stats().commands().executed());
            assertEquals(1, bus.stats().commands().failed());
        }
    }

    @Test
    void aCommandWhoseThreadFailsToStart_whileAnObserverThrowsAnError_endsItsCountOnce() throws Exception {
        var starter = new FailingStarter(1, name -> name.endsWith("-command"));
        var throwOnce = new AtomicInteger(1);
        BusObserver failing = new BusObserver() {
            @Override
            public void onCommandCompleted(MessageView command, long durationNanos, CommandResult<?> result) {
                if (throwOnce.getAndDecrement() > 0) {
                    throw new StackOverflowError("injected by the test");
                }
            }
        };
        try (var bus = new DefaultMessageBus(MessageBus.builder().name("no-command-observer-error").addObserver(failing)
                .config(), starter)) {
            bus.registerCommand(Ask.class, (cmd, ctx) -> "answer");
            bus.start();
            try {
                bus.execute(new Ask(), Duration.ofSeconds(5));
            } catch (StackOverflowError expected) {
                // either outcome is fine for the caller; the count below is what must hold
            }
            assertTrue(bus.awaitIdle(Duration.ofSeconds(5)), "the failed start's command still counts as running");
            assertEquals("answer", bus.execute(new Ask(), Duration.ofSeconds(5)).orThrow());
            assertTrue(bus.awaitIdle(Duration.ofSeconds(5)));
        }
    }

    @Test
    void theMonitorFailingToStart_stillLetsTheBusDeliver() throws Exception {
        var starter = new FailingStarter(1, name -> name.endsWith("-dispatcher"));
        try (var bus = bus("no-monitor", starter)) {
            var seen = new AtomicInteger();
            bus.subscribe(Job.class, job -> seen.incrementAndGet());
            bus.start();
            for (int i = 0; i < 20; i++) {
                bus.publish(new Job(i));
            }
            assertTrue(bus.awaitIdle(Duration.ofSeconds(10)));
            assertEquals(20, seen.get());
        }
    }
}
