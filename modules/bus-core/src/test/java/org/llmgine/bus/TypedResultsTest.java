package org.llmgine.bus;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.llmgine.bus.filter.Filters;
import org.llmgine.bus.message.Command;
import org.llmgine.bus.message.CommandResult;
import org.llmgine.bus.message.Event;
import org.llmgine.bus.message.FailureCause;
import org.llmgine.bus.message.Headers;
import org.llmgine.bus.message.LifecycleEvent;

/** Commands without a value, the failure causes modules produce, and module-defined lifecycle events. */
final class TypedResultsTest {

    record Forget(String key) implements Command<Void> {}

    record Lookup(String key) implements Command<String> {}

    record Ping() implements Event {}

    /** What a circuit breaker module would publish. */
    record BreakerOpened(String breaker) implements LifecycleEvent.ModuleEvent {
        @Override
        public String module() {
            return "org.llmgine.bus.resilience";
        }
    }

    /** An application's own failure cause, through the open branch. */
    record QuotaExceeded(String tenant) implements FailureCause.Other {
        @Override
        public String describe() {
            return "tenant " + tenant + " is over quota";
        }
    }

    @Test
    void aVoidCommandSucceeds_andANullFromAnyOtherCommandIsAFailure() {
        try (var bus = MessageBus.builder().name("void").start()) {
            var forgotten = new CopyOnWriteArrayList<String>();
            bus.registerCommand(Forget.class, (cmd, ctx) -> {
                forgotten.add(cmd.key());
                return null;
            });
            bus.registerCommand(Lookup.class, (cmd, ctx) -> null);

            CommandResult<Void> done = bus.execute(new Forget("k"));
            assertEquals(CommandResult.done(), done);
            assertTrue(done.isSuccess());
            assertNull(done.orThrow());
            assertEquals(List.of("k"), forgotten);

            var failure = assertInstanceOf(CommandResult.Failure.class, bus.execute(new Lookup("k")));
            var threw = assertInstanceOf(FailureCause.HandlerThrew.class, failure.cause());
            assertTrue(threw.error().getMessage().contains("declare Command<Void>"), threw.error().getMessage());
        }
    }

    @Test
    void everyCauseCanBeSwitchedOverExhaustively() {
        List<FailureCause> causes = List.of(new FailureCause.CircuitOpen("model", Instant.EPOCH),
                new FailureCause.BulkheadFull("tools", 4), new FailureCause.RateLimited("api", Duration.ofSeconds(2)),
                new FailureCause.RetriesExhausted(3, new FailureCause.TimedOut(Duration.ofSeconds(1))),
                new FailureCause.Unavailable("bus 'x'", "CLOSED"), new QuotaExceeded("acme"));
        var described = causes.stream().map(TypedResultsTest::explain).toList();
        assertEquals(List.of("open until 1970-01-01T00:00:00Z", "bulkhead tools", "retry after PT2S",
                "3 attempts, last: timed out after PT1S", "unavailable", "other: tenant acme is over quota"), described);
    }

    /** An exhaustive switch: adding the resilience module's causes cannot break it. */
    private static String explain(FailureCause cause) {
        return switch (cause) {
            case FailureCause.CircuitOpen open -> "open until " + open.retryAt();
            case FailureCause.BulkheadFull full -> "bulkhead " + full.bulkhead();
            case FailureCause.RateLimited limited -> "retry after " + limited.retryAfter();
            case FailureCause.RetriesExhausted exhausted -> exhausted.attempts() + " attempts, last: "
                    + exhausted.last().describe();
            case FailureCause.Unavailable unavailable -> "unavailable";
            case FailureCause.NoHandler noHandler -> "no handler";
            case FailureCause.HandlerThrew threw -> "threw";
            case FailureCause.Rejected rejected -> "rejected";
            case FailureCause.TimedOut timedOut -> "timed out";
            case FailureCause.Cancelled cancelled -> "cancelled";
            case FailureCause.ApprovalDenied denied -> "denied";
            case FailureCause.ApprovalExpired expired -> "expired";
            case FailureCause.Other other -> "other: " + other.describe();
        };
    }

    @Test
    void aModulesLifecycleEvent_bypassesFilters_andUsesTheReserveWhenTheQueueIsFull() throws Exception {
        var gate = new java.util.concurrent.CountDownLatch(1);
        var running = new java.util.concurrent.CountDownLatch(1);
        var seen = new CopyOnWriteArrayList<String>();
        try (var bus = MessageBus.builder().name("module-events").queueCapacity(1).lifecycleReserve(4)
                .overflowStrategy(OverflowStrategy.REJECT_NEW)
                .addFilter(Filters.excludeTypes(BreakerOpened.class)).start()) {
            bus.subscribe(Ping.class, p -> {
                running.countDown();
                gate.await();
            });
            bus.subscribe(LifecycleEvent.ModuleEvent.class, e -> seen.add(e.module() + ":" + e));
            bus.publish(new Ping());
            assertTrue(running.await(5, java.util.concurrent.TimeUnit.SECONDS));
            assertInstanceOf(PublishOutcome.Rejected.class, bus.publish(new Ping()), "the queue is full for users");
            assertTrue(bus.lifecycle().isListened(null, BreakerOpened.class));

            var outcome = bus.lifecycle().publish(null, new BreakerOpened("model"), Headers.of("trace", "t"));

            assertTrue(outcome.isAccepted(), "the lifecycle reserve took it: " + outcome);
            gate.countDown();
            assertTrue(bus.awaitIdle(Duration.ofSeconds(5)));
            assertEquals(List.of("org.llmgine.bus.resilience:" + new BreakerOpened("model")), seen,
                    "the filter excluding the type did not apply to a lifecycle event");
        }
    }
}
