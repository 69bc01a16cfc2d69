package org.llmgine.bus.resilience;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.llmgine.bus.resilience.DeadLetterFixtures.T0;
import static org.llmgine.bus.resilience.DeadLetterFixtures.WAIT;
import static org.llmgine.bus.resilience.DeadLetterFixtures.WAIT_SECONDS;
import static org.llmgine.bus.resilience.DeadLetterFixtures.retrying;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.llmgine.bus.MessageBus;
import org.llmgine.bus.PublishOutcome;
import org.llmgine.bus.handler.HandlerOptions;
import org.llmgine.bus.message.FailureCause;
import org.llmgine.bus.message.HandlerFailed;
import org.llmgine.bus.message.MessageId;
import org.llmgine.bus.resilience.DeadLetterFixtures.Audited;
import org.llmgine.bus.resilience.DeadLetterFixtures.Driver;

/**
 * An event handler whose pipeline gives up is dead-lettered with its name; its replay reaches
 * only that handler, and the bus reports the handler's failure once, however many attempts.
 */
final class DeadLetterEventTest {

    private final ManualClock clock = new ManualClock(T0);
    private final Driver driver = new Driver(clock);
    private final DeadLetterQueue dlq = DeadLetterQueue.builder().clock(clock).build();
    /** The audit handler fails while this is true. */
    private volatile boolean broken = true;
    private final AtomicInteger auditRuns = new AtomicInteger();
    private final AtomicInteger metricsRuns = new AtomicInteger();
    private final List<String> audited = new CopyOnWriteArrayList<>();
    private final List<HandlerFailed> handlerFailures = new CopyOnWriteArrayList<>();
    private final LinkedBlockingQueue<DeadLettered> deadLettered = new LinkedBlockingQueue<>();
    /** The id of the event {@link #deadLetteredLogin} published. */
    private MessageId loginId;

    /**
     * A bus with two handlers of {@link Audited}: "audit", guarded by a retry of 3 attempts, that
     * fails while {@link #broken}, and "metrics", unguarded, that only counts.
     */
    private MessageBus bus() {
        var resilience = ResiliencePolicy.builder().clock(clock).events(Audited.class, "audit", retrying(clock, 3))
                .deadLetterQueue(dlq).build();
        var bus = resilience.installOn(MessageBus.builder().name("event-dlq").clock(clock)).start();
        bus.subscribe(HandlerFailed.class, handlerFailures::add);
        bus.subscribe(DeadLettered.class, deadLettered::add);
        bus.registerEventHandler(Audited.class, HandlerOptions.named("audit"), (event, ctx) -> {
            driver.mark();
            auditRuns.incrementAndGet();
            if (broken) {
                throw new IllegalStateException("audit store down");
            }
            audited.add(event.what());
        });
        bus.subscribe(Audited.class, HandlerOptions.named("metrics"), event -> metricsRuns.incrementAndGet());
        return bus;
    }

    /** Publishes a login event, drives its retries until it is dead-lettered, and waits until the bus is idle. */
    private DeadLetter deadLetteredLogin(MessageBus bus) throws Exception {
        var accepted = assertInstanceOf(PublishOutcome.Accepted.class, bus.publish(new Audited("login")));
        loginId = accepted.eventId();
        driver.until(() -> dlq.size() == 1, "the audit handler was dead-lettered");
        assertTrue(bus.awaitIdle(WAIT), "the bus did not become idle");
        return dlq.list().get(0);
    }

    @Test
    void aHandlerThatAlwaysThrows_endsInOneEntryWithItsName() throws Exception {
        try (var bus = bus()) {
            DeadLetter entry = deadLetteredLogin(bus);

            assertEquals(1, dlq.size(), dlq.list().toString());
            assertEquals("audit", entry.handler());
            assertTrue(entry.isEvent());
            assertEquals(loginId, entry.messageId(), "the entry names the event");
            assertEquals(new Audited("login"), entry.message());
            assertEquals(3, entry.attempts());
            var exhausted = assertInstanceOf(FailureCause.RetriesExhausted.class, entry.cause());
            assertEquals(3, exhausted.attempts());
            var last = assertInstanceOf(FailureCause.HandlerThrew.class, exhausted.last());
            assertEquals("audit store down", last.error().getMessage());
            assertTrue(entry.firstFailure().isBefore(entry.lastFailure()), "backoffs lie between: " + entry);
            assertEquals(3, auditRuns.get());
            assertEquals(1, metricsRuns.get(), "the other handler ran once, untouched");
            DeadLettered announced = deadLettered.poll(WAIT_SECONDS, TimeUnit.SECONDS);
            assertNotNull(announced, "no DeadLettered event arrived");
            assertEquals(entry, announced.entry());
        }
    }

    @Test
    void theBusReportsTheHandlersFailureOnce_notOncePerAttempt() throws Exception {
        try (var bus = bus()) {
            deadLetteredLogin(bus);

            assertEquals(3, auditRuns.get());
            assertEquals(1, handlerFailures.size(), "one HandlerFailed for three attempts: " + handlerFailures);
            HandlerFailed failed = handlerFailures.get(0);
            assertEquals("audit", failed.handler());
            assertEquals(loginId, failed.eventId());
            var thrown = assertInstanceOf(ResilienceException.class, failed.error());
            assertInstanceOf(FailureCause.RetriesExhausted.class, thrown.failure());
            assertEquals("audit store down", thrown.getCause().getMessage(), "the handler's last exception");
        }
    }

    @Test
    void replay_reachesOnlyTheHandlerThatFailed() throws Exception {
        try (var bus = bus()) {
            DeadLetter entry = deadLetteredLogin(bus);
            broken = false;

            var replayed = assertInstanceOf(ReplayResult.Replayed.class, dlq.replay(entry.id()));

            assertTrue(replayed.result().isSuccess(), replayed.toString());
            assertTrue(bus.awaitIdle(WAIT), "the bus did not become idle");
            assertEquals(4, auditRuns.get(), "the audit handler ran once more");
            assertEquals(List.of("login"), audited);
            assertEquals(1, metricsRuns.get(), "the metrics handler is not invoked again by the replay");
            assertEquals(0, dlq.size());
            assertEquals(1, handlerFailures.size(), "the successful replay reports no failure");
        }
    }

    @Test
    void replayWhileTheHandlerStillFails_isStillFailing_andTheOtherHandlerIsNotInvoked() throws Exception {
        try (var bus = bus()) {
            DeadLetter entry = deadLetteredLogin(bus);

            var result = driver.complete(DeadLetterFixtures.async(() -> dlq.replay(entry.id())), "the replay ended");

            var still = assertInstanceOf(ReplayResult.StillFailing.class, result);
            assertEquals(entry.id(), still.entry().id());
            assertEquals(6, still.entry().attempts());
            assertEquals("audit", still.entry().handler());
            assertEquals(List.of(still.entry()), dlq.list());
            assertTrue(bus.awaitIdle(WAIT), "the bus did not become idle");
            assertEquals(6, auditRuns.get());
            assertEquals(1, metricsRuns.get());
        }
    }
}
