package org.llmgine.bus;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.llmgine.bus.message.CommandFailedException;
import org.llmgine.bus.message.CommandResult;
import org.llmgine.bus.message.FailureCause;
import org.llmgine.bus.message.Headers;

final class MessagesTest {

    @Test
    void headers_areImmutableAndValueBased() {
        Headers base = Headers.of("trace", "t1");
        Headers more = base.with("tenant", "acme");

        assertEquals(Optional.of("t1"), base.get("trace"));
        assertEquals(Optional.empty(), base.get("tenant"));
        assertEquals(Map.of("trace", "t1", "tenant", "acme"), more.asMap());
        assertEquals(Headers.copyOf(Map.of("tenant", "acme", "trace", "t1")), more);
        assertTrue(Headers.empty().isEmpty());
        assertThrows(UnsupportedOperationException.class, () -> more.asMap().put("x", "y"));
        assertThrows(NullPointerException.class, () -> base.with("k", null));
    }

    @Test
    void commandResult_successAndFailure() {
        CommandResult<String> ok = CommandResult.success("v");
        CommandResult<String> failed = CommandResult.failure(new FailureCause.Rejected("not allowed"));

        assertTrue(ok.isSuccess());
        assertEquals("v", ok.orThrow());
        assertFalse(failed.isSuccess());
        var error = assertThrows(CommandFailedException.class, failed::orThrow);
        assertEquals("command failed: rejected: not allowed", error.getMessage());
        assertEquals(new FailureCause.Rejected("not allowed"), error.failureCause());
        assertThrows(NullPointerException.class, () -> CommandResult.success(null));
    }

    @Test
    void failureCauses_describeThemselves() {
        assertEquals("cancelled: bus closed", new FailureCause.Cancelled("bus closed").describe());
        assertEquals("timed out after PT2S", new FailureCause.TimedOut(java.time.Duration.ofSeconds(2)).describe());
        assertEquals("no handler registered for command java.lang.String in session 's' or the bus scope",
                new FailureCause.NoHandler(String.class, "s").describe());
    }

    @Test
    void deliveryOutcome_validatesAndCopies() {
        var id = new org.llmgine.bus.message.MessageId(java.util.UUID.randomUUID(),
                org.llmgine.bus.message.MessageId.Kind.EVENT, 1);
        var report = new DeliveryOutcome.Delivered(id, 0, new java.util.ArrayList<>());
        assertTrue(report.succeeded());
        assertThrows(IllegalArgumentException.class, () -> new DeliveryOutcome.Delivered(id, -1, java.util.List.of()));
        assertThrows(IllegalArgumentException.class,
                () -> new DeliveryOutcome.NotAccepted(new PublishOutcome.Accepted(id)));
    }
}
