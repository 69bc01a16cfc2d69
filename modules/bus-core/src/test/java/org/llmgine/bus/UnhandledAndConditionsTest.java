package org.llmgine.bus;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.llmgine.bus.handler.HandlerOptions;
import org.llmgine.bus.message.Event;
import org.llmgine.bus.message.EventUnhandled;
import org.llmgine.bus.message.HandlerFailed;

/** Events nobody handles are counted (and published on request); per-subscription conditions; unique names. */
final class UnhandledAndConditionsTest {

    record Answer(String text) implements Event {}

    record Orphan(int n) implements Event {}

    @Test
    void anEventWithNoHandler_isCounted_andPublishedAsEventUnhandledWhenAsked() throws Exception {
        var unhandled = new CopyOnWriteArrayList<EventUnhandled>();
        try (var quiet = MessageBus.builder().name("quiet").start()) {
            quiet.publish(new Orphan(1));
            assertTrue(quiet.awaitIdle(Duration.ofSeconds(5)));
            assertEquals(1, quiet.stats().events().unhandled());
            assertEquals(1, quiet.stats().events().delivered(), "an unhandled event is still delivered (to nobody)");
        }
        try (var bus = MessageBus.builder().name("dead-events").publishUnhandled(true).start()) {
            bus.subscribe(EventUnhandled.class, unhandled::add);
            var accepted = (PublishOutcome.Accepted) bus.publish(new Orphan(2));
            assertTrue(bus.awaitIdle(Duration.ofSeconds(5)));
            assertEquals(List.of(new EventUnhandled(new Orphan(2), accepted.eventId())), unhandled);
            assertEquals(1, bus.stats().events().unhandled());
        }
    }

    @Test
    void aCondition_selectsTheEventsOfOneSubscription_andAThrowingOneIsThatHandlersFailure() throws Exception {
        var longOnes = new CopyOnWriteArrayList<String>();
        var all = new CopyOnWriteArrayList<String>();
        var failures = new CopyOnWriteArrayList<String>();
        try (var bus = MessageBus.builder().name("conditions").start()) {
            bus.subscribe(Answer.class, HandlerOptions.named("long").<Answer>when(a -> a.text().length() > 3),
                    a -> longOnes.add(a.text()));
            bus.subscribe(Answer.class, HandlerOptions.named("all"), a -> all.add(a.text()));
            bus.subscribe(Answer.class, HandlerOptions.named("broken").<Answer>when(a -> {
                throw new IllegalStateException("condition bug");
            }), a -> all.add("never"));
            bus.subscribe(HandlerFailed.class, f -> failures.add(f.handler()));

            var shortOne = assertInstanceOf(DeliveryOutcome.Delivered.class, bus.publishAndWait(new Answer("ok")));
            bus.publishAndWait(new Answer("a longer answer"));
            assertTrue(bus.awaitIdle(Duration.ofSeconds(5)));

            assertEquals(List.of("a longer answer"), longOnes);
            assertEquals(List.of("ok", "a longer answer"), all);
            assertEquals(2, shortOne.handlersInvoked(), "the declined handler did not count as invoked");
            assertEquals(List.of("broken", "broken"), failures);
        }
    }

    @Test
    void anEventEveryConditionDeclined_countsAsUnhandled() throws Exception {
        var unhandled = new CopyOnWriteArrayList<EventUnhandled>();
        try (var bus = MessageBus.builder().name("all-declined").publishUnhandled(true).start()) {
            bus.subscribe(Answer.class, HandlerOptions.named("long").<Answer>when(a -> a.text().length() > 3), a -> { });
            bus.subscribe(EventUnhandled.class, unhandled::add);
            bus.publishAndWait(new Answer("no"));
            bus.publishAndWait(new Answer("a long one"));
            assertTrue(bus.awaitIdle(Duration.ofSeconds(5)));
            assertEquals(1, bus.stats().events().unhandled());
            assertEquals(List.of(new Answer("no")), unhandled.stream().map(EventUnhandled::event).toList());
        }
    }

    @Test
    void duplicateHandlerNames_areRejected_derivedNamesStayUnique() {
        try (var bus = MessageBus.builder().name("names").start(); var session = bus.openSession("s")) {
            bus.subscribe(Answer.class, HandlerOptions.named("audit"), a -> { });
            var error = assertThrows(IllegalArgumentException.class,
                    () -> bus.subscribe(Orphan.class, HandlerOptions.named("audit"), o -> { }));
            assertTrue(error.getMessage().contains("'audit' is already registered in"), error.getMessage());
            session.subscribe(Answer.class, HandlerOptions.named("audit"), a -> { }); // another scope: allowed

            var handler = new Counter();
            var first = bus.subscribe(Answer.class, handler);
            var second = bus.subscribe(Answer.class, handler);
            assertTrue(first.isActive() && second.isActive(), "two instances of one handler class both register");
        }
    }

    /** A named handler class (its derived name is its simple name). */
    static final class Counter implements org.llmgine.bus.handler.EventListener<Answer> {
        @Override
        public void handle(Answer event) {
        }
    }
}
