package org.llmgine.bus.codec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.llmgine.bus.codec.TestMessages.Point;
import org.llmgine.bus.message.CommandResult;
import org.llmgine.bus.message.FailureCause;

/** Command results through the codec, for commands executed on another instance. */
final class ResultCodecTest {

    private final JsonCodec codec = JsonCodec.builder().register("geo.Point", Point.class).build();

    private CommandResult<?> roundTrip(CommandResult<?> result) {
        String text = codec.encodeResult(result);
        var decoded = codec.decodeResult(text);
        if (!(decoded instanceof Decoded.Ok<CommandResult<Object>> ok)) {
            throw new AssertionError(text + " did not read back: " + decoded);
        }
        return ok.value();
    }

    @Test
    void successes_ofEveryBuiltInType_ofARegisteredRecord_andOfAVoidCommand_roundTrip() {
        for (Object value : List.of("an answer", true, 42, 1L << 40, 2.5, new Point(1, 2))) {
            CommandResult<?> back = roundTrip(CommandResult.success(value));
            assertEquals(value, back.orThrow(), "the value and its type: " + value.getClass());
            assertEquals(value.getClass(), back.orThrow().getClass());
        }
        CommandResult<?> done = roundTrip(CommandResult.done());
        assertTrue(done.isSuccess());
        assertNull(done.orThrow());
    }

    @Test
    void failures_keepTheirTypedCause() {
        var timedOut = roundTrip(CommandResult.failure(new FailureCause.TimedOut(Duration.ofSeconds(3))));
        assertEquals(new FailureCause.TimedOut(Duration.ofSeconds(3)), ((CommandResult.Failure<?>) timedOut).cause());
        var threw = roundTrip(CommandResult.failure(new FailureCause.HandlerThrew(new IllegalStateException("tool down"))));
        var error = ((FailureCause.HandlerThrew) ((CommandResult.Failure<?>) threw).cause()).error();
        var restored = assertInstanceOf(RestoredThrowable.class, error);
        assertEquals(IllegalStateException.class.getName(), restored.originalClassName());
        assertEquals("tool down", restored.getMessage());
    }

    @Test
    void anUnregisteredResultClass_isRefusedWithItsName_andAnUnknownOrBadResultIsReported() {
        record Secret(String value) {
        }
        var e = assertThrows(CodecException.class, () -> codec.encodeResult(CommandResult.success(new Secret("x"))));
        assertTrue(e.getMessage().contains(Secret.class.getName()), e.getMessage());
        assertEquals("geo.Circle", assertInstanceOf(Decoded.UnknownType.class,
                codec.decodeResult("{\"ok\":true,\"type\":\"geo.Circle\",\"value\":{}}")).typeId());
        assertInstanceOf(Decoded.Unreadable.class, codec.decodeResult("{\"type\":\"string\"}"));
        assertInstanceOf(Decoded.Unreadable.class, codec.decodeResult("not json"));
        assertInstanceOf(Decoded.Unreadable.class, codec.decodeResult("{\"ok\":true,\"type\":\"int\",\"value\":\"x\"}"));
    }
}
