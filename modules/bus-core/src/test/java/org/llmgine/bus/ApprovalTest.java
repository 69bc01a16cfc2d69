package org.llmgine.bus;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.llmgine.bus.handler.CommandContext;
import org.llmgine.bus.message.Command;
import org.llmgine.bus.message.MessageId;
import org.llmgine.bus.middleware.CommandChain;
import org.llmgine.bus.middleware.CommandMiddleware;
import org.llmgine.bus.message.ApprovalCommand;
import org.llmgine.bus.message.ApprovalDecided;
import org.llmgine.bus.message.ApprovalRequested;
import org.llmgine.bus.message.CommandResult;
import org.llmgine.bus.message.FailureCause;
import org.llmgine.bus.message.LifecycleEvent;

/**
 * Approval commands wait, without polling, for approve, deny or expiry (on an injected clock), and
 * close cancels them. The Python bus polled once a second and bypassed command middleware.
 */
final class ApprovalTest {

    private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

    record DeleteRepository(String name) implements ApprovalCommand<String> {
        @Override
        public String approver() {
            return "ops-team";
        }

        @Override
        public Duration approvalTimeout() {
            return Duration.ofMinutes(5);
        }
    }

    private final ManualClock clock = new ManualClock(T0);
    private final List<String> log = new CopyOnWriteArrayList<>();
    private final AtomicInteger handlerRuns = new AtomicInteger();

    private MessageBus bus() {
        var bus = MessageBus.builder().name("approvals").clock(clock)
                .addCommandMiddleware(new CommandMiddleware() {
                    @Override
                    public <R> CommandResult<R> handle(Command<R> command, CommandContext context, CommandChain<R> chain)
                            throws Exception {
                        log.add("middleware " + command.getClass().getSimpleName());
                        return chain.proceed();
                    }
                }).start();
        bus.registerCommand(DeleteRepository.class, (cmd, ctx) -> {
            handlerRuns.incrementAndGet();
            return "deleted " + cmd.name();
        });
        bus.subscribe(LifecycleEvent.class, e -> {
            switch (e) {
                case ApprovalRequested r -> log.add("requested " + r.commandId() + " from " + r.approver()
                        + " until " + r.expiresAt());
                case ApprovalDecided d -> log.add("decided " + d.decision() + (d.reason() == null ? "" : " " + d.reason()));
                default -> { }
            }
        });
        return bus;
    }

    /** An id no command of {@code bus} ever had. */
    private static MessageId unknownId(MessageBus bus) {
        return new MessageId(bus.instanceId(), MessageId.Kind.COMMAND, 42);
    }

    private static PendingApproval awaitPending(MessageBus bus) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (bus.pendingApprovals().isEmpty()) {
            assertTrue(System.nanoTime() < deadline, "no approval request appeared");
            Thread.onSpinWait();
        }
        return bus.pendingApprovals().get(0);
    }

    @Test
    void approved_theHandlerRunsThroughTheMiddleware() throws Exception {
        try (var bus = bus()) {
            CompletableFuture<CommandResult<String>> result = bus.executeAsync(new DeleteRepository("old-repo")).result();
            PendingApproval pending = awaitPending(bus);
            assertEquals("ops-team", pending.approver());
            assertEquals(T0.plus(Duration.ofMinutes(5)), pending.expiresAt());
            assertEquals(new DeleteRepository("old-repo"), pending.command());
            assertEquals(0, handlerRuns.get(), "the handler waits for the decision");

            bus.approve(pending.commandId());

            assertEquals("deleted old-repo", result.get(5, TimeUnit.SECONDS).orThrow());
            assertTrue(bus.awaitIdle(Duration.ofSeconds(5)));
            // lifecycle events are handled on the bus scope's lane, the middleware on the command's thread
            assertEquals(List.of("requested " + pending.commandId() + " from ops-team until " + pending.expiresAt(),
                    "decided APPROVED"), log.stream().filter(l -> !l.startsWith("middleware")).toList());
            assertEquals(List.of("middleware DeleteRepository"), log.stream().filter(l -> l.startsWith("middleware")).toList());
            assertEquals(List.of(), bus.pendingApprovals());
            assertEquals(1, bus.stats().approvals().approved());
        }
    }

    @Test
    void denied_failsWithTheReason_andTheHandlerNeverRuns() throws Exception {
        try (var bus = bus()) {
            var result = bus.executeAsync(new DeleteRepository("prod")).result();
            bus.deny(awaitPending(bus).commandId(), "production is protected");

            var failure = assertInstanceOf(CommandResult.Failure.class, result.get(5, TimeUnit.SECONDS));
            assertEquals(new FailureCause.ApprovalDenied("production is protected"), failure.cause());
            assertEquals(0, handlerRuns.get());
            assertTrue(bus.awaitIdle(Duration.ofSeconds(5)));
            assertTrue(log.contains("decided DENIED production is protected"), log.toString());
            assertEquals(1, bus.stats().approvals().denied());
        }
    }

    @Test
    void nobodyDecides_theRequestExpiresOnTheBusClock() throws Exception {
        try (var bus = bus()) {
            var result = bus.executeAsync(new DeleteRepository("stale")).result();
            PendingApproval pending = awaitPending(bus);

            clock.advance(Duration.ofMinutes(4));
            assertEquals(List.of(pending), bus.pendingApprovals(), "not expired before its time");
            clock.advance(Duration.ofMinutes(1));

            var failure = assertInstanceOf(CommandResult.Failure.class, result.get(5, TimeUnit.SECONDS));
            assertEquals(new FailureCause.ApprovalExpired(pending.expiresAt()), failure.cause());
            assertEquals(0, handlerRuns.get());
            assertEquals(1, bus.stats().approvals().expired());
            var late = assertThrows(IllegalArgumentException.class, () -> bus.approve(pending.commandId()));
            assertTrue(late.getMessage().contains("no pending approval for command id " + pending.commandId()),
                    late.getMessage());
        }
    }

    @Test
    void close_completesPendingApprovalsAsCancelled() throws Exception {
        var bus = bus();
        var result = bus.executeAsync(new DeleteRepository("x")).result();
        awaitPending(bus);

        CloseReport report = bus.close(Duration.ofSeconds(5));

        var failure = assertInstanceOf(CommandResult.Failure.class, result.get(5, TimeUnit.SECONDS));
        assertInstanceOf(FailureCause.Cancelled.class, failure.cause());
        assertTrue(report.drained(), report.toString());
        assertEquals(List.of(), bus.pendingApprovals());
        assertEquals(1, bus.stats().approvals().cancelled());
    }

    @Test
    void closingTheSession_cancelsItsPendingApprovals() throws Exception {
        try (var bus = bus()) {
            CompletableFuture<CommandResult<String>> result;
            try (var session = bus.openSession("chat")) {
                result = session.executeAsync(new DeleteRepository("y")).result();
                assertEquals("chat", awaitPending(bus).sessionId());
            }
            var failure = assertInstanceOf(CommandResult.Failure.class, result.get(5, TimeUnit.SECONDS));
            assertInstanceOf(FailureCause.Cancelled.class, failure.cause());
        }
    }

    @Test
    void unknownIds_andBlankReasons_areClearErrors() {
        try (var bus = bus()) {
            var unknown = assertThrows(IllegalArgumentException.class, () -> bus.approve(unknownId(bus)));
            assertEquals("no pending approval for command id " + unknownId(bus) + " on bus 'approvals': unknown, or"
                    + " already decided, expired or cancelled", unknown.getMessage());
            assertThrows(IllegalArgumentException.class, () -> bus.deny(unknownId(bus), "x"));
            var result = bus.executeAsync(new DeleteRepository("z")).result();
            MessageId id = awaitPending(bus).commandId();
            var blank = assertThrows(IllegalArgumentException.class, () -> bus.deny(id, " "));
            assertEquals("reason must not be blank, but was ' '", blank.getMessage());
            bus.approve(id);
            assertThrows(IllegalArgumentException.class, () -> bus.approve(id), "decided once only");
            assertTrue(result.join().isSuccess());
        }
    }

    @Test
    void theWaitingCommandIsParked_notPolling() throws Exception {
        var waiting = new CompletableFuture<Thread>();
        var observer = new org.llmgine.bus.spi.BusObserver() {
            @Override
            public void onApprovalRequested(MessageBus bus, PendingApproval approval) {
                waiting.complete(Thread.currentThread()); // runs on the command's own thread
            }
        };
        try (var bus = MessageBus.builder().name("parked-approval").clock(clock).addObserver(observer).start()) {
            bus.registerCommand(DeleteRepository.class, (cmd, ctx) -> "deleted");
            var result = bus.executeAsync(new DeleteRepository("w")).result();
            Thread command = waiting.get(5, TimeUnit.SECONDS);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (command.getState() != Thread.State.WAITING) {
                assertTrue(System.nanoTime() < deadline, "not parked: " + command.getState());
                Thread.onSpinWait();
            }
            for (int i = 0; i < 1_000; i++) {
                assertEquals(Thread.State.WAITING, command.getState(), "the waiting command woke up");
                Thread.onSpinWait();
            }
            bus.approve(bus.pendingApprovals().get(0).commandId());
            assertEquals("deleted", result.get(5, TimeUnit.SECONDS).orThrow());
        }
    }

}
