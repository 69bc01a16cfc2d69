package org.llmgine.bus;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.llmgine.bus.message.Command;
import org.llmgine.bus.message.CommandResult;
import org.llmgine.bus.message.Event;
import org.llmgine.bus.message.FailureCause;

final class CloseTest {

    record Job(int n) implements Event {}

    record Work() implements Command<String> {}

    @Test
    void close_drainsAcceptedEvents_andIsIdempotent() throws Exception {
        var bus = MessageBus.builder().name("drain").start();
        var seen = new java.util.concurrent.atomic.AtomicInteger();
        bus.subscribe(Job.class, j -> seen.incrementAndGet());
        for (int i = 0; i < 1_000; i++) {
            bus.publish(new Job(i));
        }

        CloseReport report = bus.close(Duration.ofSeconds(10));

        assertTrue(report.clean(), report.toString());
        assertEquals(1_000, seen.get());
        assertSame(report, bus.close(Duration.ofSeconds(1)));
        bus.close();
        assertEquals(BusState.CLOSED, bus.state());
        assertEquals(BusState.CLOSED, bus.stats().state());
    }

    @Test
    void afterClose_trafficIsRefusedAsOutcomes_andSetUpThrowsBusClosedException_namingTheBus() {
        var bus = MessageBus.builder().name("closed-bus").start();
        bus.close();

        var rejected = assertInstanceOf(PublishOutcome.Rejected.class, bus.publish(new Job(1)));
        assertEquals(RejectionReason.BUS_CLOSED, rejected.reason());
        assertTrue(rejected.detail().contains("'closed-bus'"), rejected.detail());
        assertTrue(rejected.detail().contains("CLOSED"), rejected.detail());
        var failure = assertInstanceOf(CommandResult.Failure.class, bus.execute(new Work()));
        assertEquals(new FailureCause.Unavailable("bus 'closed-bus'", "CLOSED"), failure.cause());
        assertEquals(1, bus.stats().events().rejected(), "a refused publish is counted like any rejection");
        assertThrows(BusClosedException.class, () -> bus.subscribe(Job.class, j -> { }));
        assertThrows(BusClosedException.class, () -> bus.registerCommand(Work.class, (c, ctx) -> "x"));
        assertThrows(BusClosedException.class, () -> bus.openSession("late"));
        assertThrows(BusClosedException.class, bus::start);
    }

    @Test
    void close_pastTheDeadline_interruptsRunningHandlers_andReturnsWhatNeverStarted() throws Exception {
        var bus = MessageBus.builder().name("cut").start();
        var started = new CountDownLatch(1);
        var interrupted = new CountDownLatch(1);
        List<Thread> handlerThreads = new CopyOnWriteArrayList<>();
        bus.subscribe(Job.class, j -> {
            handlerThreads.add(Thread.currentThread());
            started.countDown();
            try {
                new CountDownLatch(1).await();
            } catch (InterruptedException e) {
                interrupted.countDown();
                throw e;
            }
        });
        for (int i = 0; i < 5; i++) {
            bus.publish(new Job(i));
        }
        assertTrue(started.await(5, TimeUnit.SECONDS));

        CloseReport report = bus.close(Duration.ofMillis(20));

        assertFalse(report.drained());
        assertEquals(1, report.cancelled().size());
        assertEquals(List.of(new Job(1), new Job(2), new Job(3), new Job(4)),
                report.returned().stream().map(UnfinishedEvent::event).toList());
        assertEquals(0, report.threadsStillRunning());
        assertTrue(interrupted.await(5, TimeUnit.SECONDS));
        for (Thread thread : handlerThreads) {
            thread.join(Duration.ofSeconds(5));
            assertFalse(thread.isAlive(), "a handler thread outlived close");
        }
        BusStats stats = bus.stats();
        assertEquals(stats.events().accepted(), stats.events().delivered() + stats.events().cancelled() + stats.events().returned());
        assertEquals(0, stats.queue().size());
    }

    @Test
    void close_cancelsRunningCommands_andWaitingPublishersGetCancelled() throws Exception {
        var bus = MessageBus.builder().name("cut-commands").start();
        var started = new CountDownLatch(2);
        bus.registerCommand(Work.class, (cmd, ctx) -> {
            started.countDown();
            new CountDownLatch(1).await();
            return "never";
        });
        bus.subscribe(Job.class, j -> {
            started.countDown();
            new CountDownLatch(1).await();
        });
        CompletableFuture<CommandResult<String>> command = bus.executeAsync(new Work()).result();
        var waiterOutcome = new CompletableFuture<Object>();
        Thread.ofVirtual().start(() -> {
            try {
                waiterOutcome.complete(bus.publishAndWait(new Job(1)));
            } catch (Exception e) {
                waiterOutcome.complete(e);
            }
        });
        assertTrue(started.await(5, TimeUnit.SECONDS));

        CloseReport report = bus.close(Duration.ofMillis(10));

        var failure = assertInstanceOf(CommandResult.Failure.class, command.get(5, TimeUnit.SECONDS));
        assertInstanceOf(FailureCause.Cancelled.class, failure.cause());
        assertEquals(1, report.cancelledCommands());
        assertInstanceOf(DeliveryOutcome.Cancelled.class, waiterOutcome.get(5, TimeUnit.SECONDS));
    }

    @Test
    void close_ofABusNeverStarted_returnsItsQueuedEvents() {
        var bus = MessageBus.builder().name("never-started").build();
        bus.publish(new Job(1));
        bus.publish(new Job(2));

        CloseReport report = bus.close(Duration.ofMillis(10));

        assertFalse(report.clean());
        assertEquals(List.of(1L, 2L), report.returned().stream().map(e -> e.eventId().sequence()).toList());
        assertEquals(2, bus.stats().events().returned());
    }

    @Test
    void close_closesOpenSessions() {
        var bus = MessageBus.builder().name("sessions").start();
        Session session = bus.openSession("open");
        bus.close();

        assertFalse(session.isOpen());
        assertEquals(RejectionReason.BUS_CLOSED,
                assertInstanceOf(PublishOutcome.Rejected.class, session.publish(new Job(1))).reason());
        assertEquals(0, bus.stats().sessions().active());
        assertEquals(0, bus.stats().sessions().registeredHandlers());
    }

    @Test
    void whileClosing_inFlightHandlersMayStillPublishFollowUps() throws Exception {
        var bus = MessageBus.builder().name("follow-ups").start();
        var gate = new CountDownLatch(1);
        List<Integer> seen = new CopyOnWriteArrayList<>();
        bus.registerEventHandler(Job.class, (job, ctx) -> {
            seen.add(job.n());
            if (job.n() == 0) {
                gate.await();
                ctx.publish(new Job(1));
            }
        });
        bus.publish(new Job(0));
        Thread closer = Thread.ofVirtual().start(bus::close);
        while (bus.state() != BusState.CLOSING) {
            Thread.onSpinWait();
        }
        assertEquals(RejectionReason.BUS_CLOSED,
                assertInstanceOf(PublishOutcome.Rejected.class, bus.publish(new Job(99))).reason());
        gate.countDown();
        closer.join(Duration.ofSeconds(10));

        assertEquals(List.of(0, 1), seen);
        assertEquals(BusState.CLOSED, bus.state());
    }

    @Test
    void close_returnsAQueuedEventBehindAStuckOne_andItsWaiterGetsReturned() throws Exception {
        var bus = MessageBus.builder().name("returned-waiter").start();
        var started = new CountDownLatch(1);
        bus.subscribe(Job.class, j -> {
            if (j.n() == 0) {
                started.countDown();
                new CountDownLatch(1).await();
            }
        });
        bus.publish(new Job(0));
        assertTrue(started.await(5, TimeUnit.SECONDS));
        var waiterOutcome = new CompletableFuture<Object>();
        Thread waiter = Thread.ofVirtual().start(() -> {
            try {
                waiterOutcome.complete(bus.publishAndWait(new Job(1)));
            } catch (Exception e) {
                waiterOutcome.complete(e);
            }
        });
        while (bus.stats().queue().size() < 2) {
            Thread.onSpinWait();
        }

        CloseReport report = bus.close(Duration.ofMillis(10));

        var returned = assertInstanceOf(DeliveryOutcome.Returned.class, waiterOutcome.get(5, TimeUnit.SECONDS));
        assertEquals(List.of(new Job(1)), report.returned().stream().map(UnfinishedEvent::event).toList());
        assertEquals(report.returned().get(0).eventId(), returned.eventId());
        waiter.join(Duration.ofSeconds(5));
    }

    record Later() implements Event {}

    record NeedsApproval() implements org.llmgine.bus.message.ApprovalCommand<String> {
        @Override
        public String approver() {
            return "ops";
        }
    }

    @Test
    void whileClosing_aHandlerThatSchedulesOrAsksForApproval_neitherLosesNorHangsAnything() throws Exception {
        var store = new org.llmgine.bus.spi.InMemoryScheduledEventStore();
        var bus = MessageBus.builder().name("closing-work").scheduledEventStore(store).start();
        var gate = new CountDownLatch(1);
        var approval = new CompletableFuture<CommandResult<String>>();
        bus.registerCommand(NeedsApproval.class, (cmd, ctx) -> "approved?");
        bus.registerEventHandler(Job.class, (job, ctx) -> {
            gate.await();
            bus.schedule(new Later(), Duration.ofHours(1)); // the timer has stopped: straight to the store
            approval.complete(ctx.execute(new NeedsApproval())); // approvals are cancelled: no hang
        });
        bus.publish(new Job(1));
        Thread closer = Thread.ofVirtual().start(bus::close);
        while (bus.state() != BusState.CLOSING) {
            Thread.onSpinWait();
        }
        gate.countDown();
        closer.join(Duration.ofSeconds(10));

        var failure = assertInstanceOf(CommandResult.Failure.class, approval.get(5, TimeUnit.SECONDS));
        assertInstanceOf(FailureCause.Cancelled.class, failure.cause());
        assertEquals(List.of(new Later()), store.contents().stream().map(s -> s.event()).toList());
        assertEquals(1, bus.stats().scheduled().stored());
        assertTrue(bus.close(Duration.ofSeconds(1)).drained());
    }
}
