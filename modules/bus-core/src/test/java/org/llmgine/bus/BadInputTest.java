package org.llmgine.bus;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Duration;
import java.time.InstantSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.llmgine.bus.message.FailureCause;
import org.llmgine.bus.message.CommandResult;
import org.llmgine.bus.handler.HandlerOptions;
import org.llmgine.bus.handler.Priority;
import org.llmgine.bus.message.Command;
import org.llmgine.bus.message.Event;
import org.llmgine.bus.message.Headers;

/** Bad input gets a clear exception that names the parameter or field and the value. */
final class BadInputTest {

    record Ping() implements Event {}

    record Ask() implements Command<String> {}

    private final MessageBus bus = MessageBus.builder().name("bad-input").start();

    @AfterEach
    void close() {
        bus.close();
    }

    private static void assertMessage(Class<? extends Throwable> type, String expected, Executable call) {
        Throwable error = assertThrows(type, call);
        assertEquals(expected, error.getMessage());
    }

    @Test
    void nullArguments_throwNullPointerExceptionNamingTheParameter() {
        assertMessage(NullPointerException.class, "event", () -> bus.publish(null));
        assertMessage(NullPointerException.class, "options", () -> bus.publish(new Ping(), null));
        assertMessage(NullPointerException.class, "command", () -> bus.execute(null));
        assertMessage(NullPointerException.class, "timeout", () -> bus.execute(new Ask(), (Duration) null));
        assertMessage(NullPointerException.class, "type", () -> bus.subscribe(null, e -> { }));
        assertMessage(NullPointerException.class, "listener", () -> bus.subscribe(Ping.class, null));
        assertMessage(NullPointerException.class, "handler", () -> bus.registerCommand(Ask.class, null));
        assertMessage(NullPointerException.class, "options", () -> bus.subscribe(Ping.class, null, e -> { }));
        assertMessage(NullPointerException.class, "id", () -> bus.openSession(null));
        assertMessage(NullPointerException.class, "clock", () -> MessageBus.builder().clock(null));
        assertMessage(NullPointerException.class, "filter", () -> MessageBus.builder().addFilter(null));
    }

    @Test
    void invalidConfiguration_throwsIllegalArgumentExceptionNamingFieldAndValue() {
        assertMessage(IllegalArgumentException.class, "queueCapacity must be positive, but was -3",
                () -> MessageBus.builder().queueCapacity(-3));
        assertMessage(IllegalArgumentException.class, "batchSize must be positive, but was 0",
                () -> MessageBus.builder().batchSize(0));
        assertMessage(IllegalArgumentException.class, "publishTimeout must not be negative, but was PT-1S",
                () -> MessageBus.builder().publishTimeout(Duration.ofSeconds(-1)));
        assertMessage(IllegalArgumentException.class, "closeTimeout must not be negative, but was PT-0.001S",
                () -> MessageBus.builder().closeTimeout(Duration.ofMillis(-1)));
        assertMessage(IllegalArgumentException.class, "name must not be blank, but was ' '",
                () -> MessageBus.builder().name(" "));
        assertMessage(IllegalArgumentException.class, "queueCapacity must be positive, but was 0",
                () -> MessageBus.builder().queueCapacity(0));
        assertMessage(IllegalArgumentException.class, "water marks must satisfy 0 < lowWaterMark < highWaterMark <= 1,"
                + " but lowWaterMark was 0.9 and highWaterMark was 0.8", () -> MessageBus.builder().waterMarks(0.8, 0.9));
        assertMessage(IllegalArgumentException.class, "lifecycleReserve must not be negative, but was -1",
                () -> MessageBus.builder().lifecycleReserve(-1));
        assertMessage(IllegalArgumentException.class, "starvationLimit must be positive, but was 0",
                () -> MessageBus.builder().starvationLimit(0));
    }

    @Test
    void invalidHandlerOptionsAndIds_areRejected() {
        assertMessage(IllegalArgumentException.class, "priority must be between 0 and 100, but was 101",
                () -> HandlerOptions.priority(101));
        assertMessage(IllegalArgumentException.class, "priority must be between 0 and 100, but was -1",
                () -> Priority.check(-1));
        assertMessage(IllegalArgumentException.class, "handler name must not be blank, but was ''",
                () -> HandlerOptions.named(""));
        assertMessage(IllegalArgumentException.class, "session id must not be blank, but was ''",
                () -> bus.openSession(""));
        assertMessage(IllegalArgumentException.class, "header key must not be blank, but was ' '",
                () -> Headers.of(" ", "v"));
        assertMessage(IllegalArgumentException.class, "timeout must not be negative, but was PT-1S",
                () -> bus.awaitIdle(Duration.ofSeconds(-1)));
    }

    @Test
    void publishAndWait_onABusNotStarted_isNotAccepted_andExecuteIsUnavailable() throws Exception {
        try (var idle = MessageBus.builder().name("not-started").build()) {
            var outcome = assertInstanceOf(DeliveryOutcome.NotAccepted.class, idle.publishAndWait(new Ping()));
            var rejected = assertInstanceOf(PublishOutcome.Rejected.class, outcome.outcome());
            assertEquals(RejectionReason.BUS_NOT_STARTED, rejected.reason());
            assertEquals("publishAndWait on bus 'not-started', which is not started: nothing would deliver the event;"
                    + " call start() first", rejected.detail());
            var refused = assertInstanceOf(CommandResult.Failure.class, idle.execute(new Ask()));
            assertInstanceOf(FailureCause.Unavailable.class, refused.cause(), "a NEW bus runs no command");
            assertEquals(1, idle.stats().commands().refused());
        }
    }
}
