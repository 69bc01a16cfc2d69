package org.llmgine.bus.resilience;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.llmgine.bus.resilience.DeadLetterFixtures.T0;
import static org.llmgine.bus.resilience.DeadLetterFixtures.WAIT;
import static org.llmgine.bus.resilience.DeadLetterFixtures.WAIT_SECONDS;
import static org.llmgine.bus.resilience.DeadLetterFixtures.retrying;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.llmgine.bus.ExecuteOptions;
import org.llmgine.bus.MessageBus;
import org.llmgine.bus.handler.CommandContext;
import org.llmgine.bus.message.Command;
import org.llmgine.bus.message.CommandCompleted;
import org.llmgine.bus.message.CommandResult;
import org.llmgine.bus.message.FailureCause;
import org.llmgine.bus.message.MessageId;
import org.llmgine.bus.middleware.CommandChain;
import org.llmgine.bus.middleware.CommandMiddleware;
import org.llmgine.bus.resilience.DeadLetterFixtures.Charge;
import org.llmgine.bus.resilience.DeadLetterFixtures.Driver;

/**
 * Commands that give up go to the dead letter queue through the bus: after their retries, with
 * everything needed to look at them and replay them, announced by a {@link DeadLettered} event.
 */
final class DeadLetterCommandTest {

    private final ManualClock clock = new ManualClock(T0);
    private final Driver driver = new Driver(clock);
    private final List<Instant> calls = new CopyOnWriteArrayList<>();
    private final LinkedBlockingQueue<DeadLettered> deadLettered = new LinkedBlockingQueue<>();

    private MessageBus bus(DeadLetterQueue dlq) {
        var resilience = ResiliencePolicy.builder().clock(clock).commands(Charge.class, retrying(clock, 3))
                .deadLetterQueue(dlq).build();
        var bus = resilience.installOn(MessageBus.builder().name("dead-lettering").clock(clock)).start();
        bus.subscribe(DeadLettered.class, deadLettered::add);
        return bus;
    }

    @Test
    void aCommandThatAlwaysFails_isRetriesExhausted_andOneEntryHoldsItsIdSessionHeadersAndCause() throws Exception {
        var dlq = DeadLetterQueue.builder().clock(clock).build();
        var completed = new CompletableFuture<CommandCompleted>();
        try (var bus = bus(dlq)) {
            bus.subscribe(CommandCompleted.class, completed::complete);
            bus.registerCommand(Charge.class, (cmd, ctx) -> {
                driver.mark();
                calls.add(clock.instant());
                throw new IllegalStateException("card declined on call " + calls.size());
            });
            var session = bus.openSession("checkout-1");
            var handle = session.executeAsync(new Charge("book"),
                    ExecuteOptions.defaults().withHeader("tenant", "acme").withPriority(3));

            var result = driver.complete(handle.result(), "the command gave up");

            var failure = assertInstanceOf(CommandResult.Failure.class, result);
            var exhausted = assertInstanceOf(FailureCause.RetriesExhausted.class, failure.cause());
            assertEquals(3, exhausted.attempts());
            assertEquals(3, calls.size());
            assertEquals(1, dlq.size(), "one entry for the execution, not one per attempt: " + dlq.list());
            DeadLetter entry = dlq.list().get(0);
            assertEquals(MessageId.Kind.DEAD_LETTER, entry.id().kind());
            assertEquals(handle.commandId(), entry.messageId(), "the entry names the command's execution");
            assertEquals(handle.commandId(), completed.get(WAIT_SECONDS, TimeUnit.SECONDS).commandId());
            assertEquals(new Charge("book"), entry.message());
            assertEquals("checkout-1", entry.sessionId());
            assertEquals(Optional.of("acme"), entry.headers().get("tenant"));
            assertEquals(3, entry.priority());
            assertNull(entry.handler(), "a command's entry names no handler");
            assertFalse(entry.isEvent());
            assertEquals(exhausted, entry.cause());
            assertEquals(3, entry.attempts());
            assertNull(entry.heldBehind());
            assertEquals(calls.get(0), entry.firstFailure(), "first failure: when the first attempt failed");
            assertFalse(entry.lastFailure().isBefore(calls.get(2)), "last failure: after the last attempt");
            assertTrue(Duration.between(entry.firstFailure(), entry.lastFailure()).compareTo(Duration.ofMillis(30)) >= 0,
                    "the backoffs (10 ms, 20 ms) lie between the first and the last failure: " + entry);

            DeadLettered announced = deadLettered.poll(WAIT_SECONDS, TimeUnit.SECONDS);
            assertNotNull(announced, "no DeadLettered event arrived");
            assertEquals(entry, announced.entry());
            assertFalse(announced.evicted());
            assertEquals(1, dlq.stats().added());
        }
    }

    @Test
    void aFailedResult_isRetriedLikeAnException_andDeadLettered() throws Exception {
        var dlq = DeadLetterQueue.builder().clock(clock).build();
        var handlerRuns = new AtomicInteger();
        // a handler can only return a value or throw; a failed result comes from the chain inside
        // the policy, as here from a middleware added after it (so it runs inside the pipeline)
        CommandMiddleware declines = new CommandMiddleware() {
            @Override
            public <R> CommandResult<R> handle(Command<R> command, CommandContext context, CommandChain<R> chain) {
                driver.mark();
                calls.add(clock.instant());
                return CommandResult.failure(new FailureCause.HandlerThrew(
                        new IllegalStateException("declined on call " + calls.size())));
            }
        };
        var resilience = ResiliencePolicy.builder().clock(clock).commands(Charge.class, retrying(clock, 3))
                .deadLetterQueue(dlq).build();
        try (var bus = resilience.installOn(MessageBus.builder().name("failed-results").clock(clock))
                .addCommandMiddleware(declines).start()) {
            bus.subscribe(DeadLettered.class, deadLettered::add);
            bus.registerCommand(Charge.class, (cmd, ctx) -> {
                handlerRuns.incrementAndGet();
                return "charged";
            });
            var handle = bus.executeAsync(new Charge("book"));

            var failure = assertInstanceOf(CommandResult.Failure.class, driver.complete(handle.result(), "gave up"));

            var exhausted = assertInstanceOf(FailureCause.RetriesExhausted.class, failure.cause());
            assertEquals(3, exhausted.attempts(), "a failed result is retried like a thrown exception");
            var last = assertInstanceOf(FailureCause.HandlerThrew.class, exhausted.last());
            assertEquals("declined on call 3", last.error().getMessage());
            assertEquals(3, calls.size());
            assertEquals(0, handlerRuns.get());
            assertEquals(1, dlq.size());
            DeadLetter entry = dlq.list().get(0);
            assertEquals(handle.commandId(), entry.messageId());
            assertEquals(3, entry.attempts());
            assertEquals(exhausted, entry.cause());
            assertNull(entry.sessionId());
            DeadLettered announced = deadLettered.poll(WAIT_SECONDS, TimeUnit.SECONDS);
            assertNotNull(announced, "no DeadLettered event arrived");
            assertEquals(entry, announced.entry());
        }
    }

    @Test
    void aCommandThatSucceedsOnARetry_isNotDeadLettered() throws Exception {
        var dlq = DeadLetterQueue.builder().clock(clock).build();
        try (var bus = bus(dlq)) {
            bus.registerCommand(Charge.class, (cmd, ctx) -> {
                driver.mark();
                calls.add(clock.instant());
                if (calls.size() < 3) {
                    throw new IllegalStateException("card declined on call " + calls.size());
                }
                return "charged " + cmd.item();
            });

            var result = driver.complete(bus.executeAsync(new Charge("book")).result(), "the command finished");

            assertEquals("charged book", result.orThrow());
            assertTrue(bus.awaitIdle(WAIT));
            assertEquals(0, dlq.size(), dlq.list().toString());
            assertEquals(0, dlq.stats().added());
            assertTrue(deadLettered.isEmpty(), deadLettered.toString());
        }
    }

    @Test
    void aFailureTheDeadLetterPredicateRefuses_isOnlyReturned() throws Exception {
        var dlq = DeadLetterQueue.builder().clock(clock).build();
        var resilience = ResiliencePolicy.builder().clock(clock).commands(Charge.class, Pipeline.of())
                .deadLetterQueue(dlq).deadLetterOn(cause -> false).build();
        try (var bus = resilience.installOn(MessageBus.builder().name("no-dead-letters").clock(clock)).start()) {
            bus.registerCommand(Charge.class, (cmd, ctx) -> {
                throw new IllegalStateException("card declined");
            });

            var failure = assertInstanceOf(CommandResult.Failure.class, bus.execute(new Charge("book"), WAIT));

            assertInstanceOf(FailureCause.HandlerThrew.class, failure.cause());
            assertEquals(0, dlq.size());
        }
    }
}
