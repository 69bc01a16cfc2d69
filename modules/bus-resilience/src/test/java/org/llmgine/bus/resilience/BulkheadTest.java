package org.llmgine.bus.resilience;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.llmgine.bus.ExecuteOptions;
import org.llmgine.bus.MessageBus;
import org.llmgine.bus.message.Command;
import org.llmgine.bus.message.CommandResult;
import org.llmgine.bus.message.FailureCause;

/** Bulkheads through the bus: the permits bound concurrent calls; the rest wait on the clock or are refused. */
final class BulkheadTest {

    private static final long WAIT_SECONDS = 10;

    record CallTool(String name) implements Command<String> {}

    private final ManualClock clock = new ManualClock(Instant.parse("2026-01-01T00:00:00Z"));
    private final AtomicInteger invoked = new AtomicInteger();
    private final CountDownLatch release = new CountDownLatch(1);

    private MessageBus bus(Bulkheads bulkheads) {
        var policy = ResiliencePolicy.builder().clock(clock)
                .commands(CallTool.class, Pipeline.builder().bulkhead(bulkheads).build()).build();
        MessageBus bus = policy.installOn(MessageBus.builder().name("bulkheads").clock(clock)).start();
        bus.registerCommand(CallTool.class, (cmd, ctx) -> {
            invoked.incrementAndGet();
            if (cmd.name().equals("slow")) {
                release.await();
            }
            return cmd.name();
        });
        return bus;
    }

    @Test
    void pastMaxConcurrent_aCallIsRefusedAtOnce_withoutReachingTheHandler() throws Exception {
        var bulkheads = Bulkheads.of(1);
        try (var bus = bus(bulkheads)) {
            var slow = bus.executeAsync(new CallTool("slow"));
            ClockDriver.awaitTrue("the slow call to take the permit", () -> invoked.get() == 1);

            var refused = bus.execute(new CallTool("fast"));

            var failure = assertInstanceOf(CommandResult.Failure.class, refused);
            assertEquals(new FailureCause.BulkheadFull("CallTool", 1), failure.cause());
            assertEquals(1, invoked.get(), "the refused call never reached the handler");
            release.countDown();
            assertEquals("slow", slow.await(Duration.ofSeconds(WAIT_SECONDS)).orThrow());
            assertEquals("fast", bus.execute(new CallTool("fast")).orThrow(), "the permit came back");
            var snapshot = bulkheads.bulkheads().get("CallTool").snapshot();
            assertEquals(new Bulkhead.Snapshot("CallTool", 1, 0, 0, 1), snapshot);
        }
    }

    @Test
    void aCallAllowedToWait_getsThePermitWhenItIsReturned() throws Exception {
        var bulkheads = Bulkheads.builder(1).maxWait(Duration.ofSeconds(5)).clock(clock).build();
        try (var bus = bus(bulkheads)) {
            var slow = bus.executeAsync(new CallTool("slow"));
            ClockDriver.awaitTrue("the slow call to take the permit", () -> invoked.get() == 1);
            var waiting = bus.executeAsync(new CallTool("fast"));
            ClockDriver.awaitTrue("the second call to wait", () -> bulkheads.bulkheads().get("CallTool").snapshot()
                    .waiting() == 1);
            assertFalse(waiting.isDone());

            release.countDown();

            assertEquals("fast", waiting.await(Duration.ofSeconds(WAIT_SECONDS)).orThrow());
            assertEquals("slow", slow.await(Duration.ofSeconds(WAIT_SECONDS)).orThrow());
        }
    }

    @Test
    void aCallThatWaitsLongerThanMaxWait_onTheClock_isRefused() throws Exception {
        var bulkheads = Bulkheads.builder(1).maxWait(Duration.ofSeconds(5)).clock(clock).build();
        try (var bus = bus(bulkheads)) {
            bus.executeAsync(new CallTool("slow"));
            ClockDriver.awaitTrue("the slow call to take the permit", () -> invoked.get() == 1);
            var waiting = bus.executeAsync(new CallTool("fast"));
            ClockDriver.awaitTrue("the second call to wait", () -> bulkheads.bulkheads().get("CallTool").snapshot()
                    .waiting() == 1);
            clock.advance(Duration.ofSeconds(4));
            assertFalse(waiting.isDone(), "still within its 5 s");
            clock.advance(Duration.ofSeconds(1));

            var failure = assertInstanceOf(CommandResult.Failure.class,
                    waiting.result().get(WAIT_SECONDS, TimeUnit.SECONDS));
            assertInstanceOf(FailureCause.BulkheadFull.class, failure.cause());
            release.countDown();
        }
    }

    @Test
    void perKey_eachProviderHasItsOwnPermits() throws Exception {
        var bulkheads = Bulkheads.builder(1).keyBy(KeyBy.header("provider")).build();
        try (var bus = bus(bulkheads)) {
            bus.executeAsync(new CallTool("slow"), ExecuteOptions.defaults().withHeader("provider", "openai"));
            ClockDriver.awaitTrue("the slow call to take openai's permit", () -> invoked.get() == 1);

            assertEquals("fast", bus.execute(new CallTool("fast"),
                    ExecuteOptions.defaults().withHeader("provider", "anthropic")).orThrow());
            assertInstanceOf(CommandResult.Failure.class, bus.execute(new CallTool("fast"),
                    ExecuteOptions.defaults().withHeader("provider", "openai")));
            release.countDown();
        }
    }

    @Test
    void badArguments_areNamed() {
        var e = assertThrows(IllegalArgumentException.class, () -> Bulkheads.of(0));
        assertEquals("maxConcurrent must be at least 1, but was 0", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Bulkheads.builder(1).maxWait(Duration.ofMillis(-1)));
    }
}
