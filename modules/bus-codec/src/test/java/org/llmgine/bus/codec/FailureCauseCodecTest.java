package org.llmgine.bus.codec;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.UncheckedIOException;
import java.time.Duration;
import java.time.Instant;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.llmgine.bus.codec.TestMessages.AskModel;
import org.llmgine.bus.codec.TestMessages.QuotaExceeded;
import org.llmgine.bus.codec.TestMessages.Unlisted;
import org.llmgine.bus.message.FailureCause;

/** Every failure cause written and read back, and the ways a cause's text can be bad. */
final class FailureCauseCodecTest {

    private final JsonCodec codec = JsonCodec.builder()
            .register("chat.AskModel", AskModel.class)
            .register("quota.Exceeded", QuotaExceeded.class)
            .build();

    private static final Instant AT = Instant.parse("2026-01-31T12:00:00Z");

    static Stream<Arguments> causesWithTheirJson() {
        return Stream.of(
                Arguments.of(new FailureCause.NoHandler(AskModel.class, "c-42"),
                        "{\"cause\":\"NoHandler\",\"commandType\":\"chat.AskModel\",\"sessionId\":\"c-42\"}"),
                Arguments.of(new FailureCause.NoHandler(AskModel.class, null),
                        "{\"cause\":\"NoHandler\",\"commandType\":\"chat.AskModel\"}"),
                Arguments.of(new FailureCause.Rejected("prompt too long: 9000"),
                        "{\"cause\":\"Rejected\",\"reason\":\"prompt too long: 9000\"}"),
                Arguments.of(new FailureCause.TimedOut(Duration.ofSeconds(5)),
                        "{\"cause\":\"TimedOut\",\"timeout\":\"PT5S\"}"),
                Arguments.of(new FailureCause.Cancelled("session closed"),
                        "{\"cause\":\"Cancelled\",\"reason\":\"session closed\"}"),
                Arguments.of(new FailureCause.ApprovalDenied("no"),
                        "{\"cause\":\"ApprovalDenied\",\"reason\":\"no\"}"),
                Arguments.of(new FailureCause.ApprovalExpired(AT),
                        "{\"cause\":\"ApprovalExpired\",\"expiredAt\":\"2026-01-31T12:00:00Z\"}"),
                Arguments.of(new FailureCause.Unavailable("bus 'chat'", "CLOSING"),
                        "{\"cause\":\"Unavailable\",\"scope\":\"bus 'chat'\",\"state\":\"CLOSING\"}"),
                Arguments.of(new FailureCause.CircuitOpen("openai", AT.plusMillis(1)),
                        "{\"cause\":\"CircuitOpen\",\"breaker\":\"openai\",\"retryAt\":\"2026-01-31T12:00:00.001Z\"}"),
                Arguments.of(new FailureCause.BulkheadFull("llm", 4),
                        "{\"cause\":\"BulkheadFull\",\"bulkhead\":\"llm\",\"maxConcurrent\":4}"),
                Arguments.of(new FailureCause.RateLimited("tokens", Duration.ofMillis(1500)),
                        "{\"cause\":\"RateLimited\",\"limiter\":\"tokens\",\"retryAfter\":\"PT1.5S\"}"),
                Arguments.of(new FailureCause.RetriesExhausted(3, new FailureCause.TimedOut(Duration.ofMinutes(1))),
                        "{\"cause\":\"RetriesExhausted\",\"attempts\":3,\"last\":{\"cause\":\"TimedOut\",\"timeout\":\"PT1M\"}}"),
                Arguments.of(new QuotaExceeded("acme", 100),
                        "{\"cause\":\"Other\",\"type\":\"quota.Exceeded\",\"value\":{\"tenant\":\"acme\",\"limit\":100}}"),
                Arguments.of(new FailureCause.RetriesExhausted(2, new QuotaExceeded("acme", 1)),
                        "{\"cause\":\"RetriesExhausted\",\"attempts\":2,\"last\":{\"cause\":\"Other\",\"type\":"
                                + "\"quota.Exceeded\",\"value\":{\"tenant\":\"acme\",\"limit\":1}}}"));
    }

    @ParameterizedTest
    @MethodSource("causesWithTheirJson")
    void cause_isWrittenWithItsDiscriminator_andReadBackEqual(FailureCause cause, String json) {
        assertEquals(json, codec.encodeCause(cause));
        assertEquals(new Decoded.Ok<>(cause), codec.decodeCause(json));
    }

    @Test
    void noHandler_ofAnUnregisteredCommand_writesItsClassName_readableOnlyWhereTheClassIsRegistered() {
        var cause = new FailureCause.NoHandler(AskModel.class, "s");
        String json = JsonCodec.builder().build().encodeCause(cause);
        assertEquals("{\"cause\":\"NoHandler\",\"commandClass\":\"" + AskModel.class.getName() + "\",\"sessionId\":\"s\"}",
                json);
        assertEquals(new Decoded.Ok<>(cause), codec.decodeCause(json));
        assertEquals(new Decoded.Unreadable<FailureCause>("cause", "field 'commandClass' names class "
                + AskModel.class.getName() + ", which is not registered with this codec (classes are never loaded by "
                + "name)"), JsonCodec.builder().build().decodeCause(json));
    }

    @Test
    void noHandler_naming_aClassThatIsNotRegistered_isUnreadable_andNothingIsLoaded() {
        String reason = unreadable("{\"cause\":\"NoHandler\",\"commandClass\":\"java.lang.Runtime\"}");
        assertTrue(reason.contains("java.lang.Runtime, which is not registered"), reason);
        assertEquals("field 'commandType' is 'chat.Gone', which is no registered type id",
                unreadable("{\"cause\":\"NoHandler\",\"commandType\":\"chat.Gone\"}"));
        assertEquals("field 'commandType' is missing", unreadable("{\"cause\":\"NoHandler\"}"));
    }

    @Test
    void handlerThrew_keepsTheClassNameMessageFramesAndCauses_andReEncodesTheSame() {
        var root = new UncheckedIOException("socket closed", new java.io.IOException("reset by peer"));
        var error = new IllegalStateException("model answered 503", root);
        String json = codec.encodeCause(new FailureCause.HandlerThrew(error));

        var back = assertInstanceOf(FailureCause.HandlerThrew.class, codec.decodeCause(json).orThrow());
        var restored = assertInstanceOf(RestoredThrowable.class, back.error());
        assertEquals("java.lang.IllegalStateException", restored.originalClassName());
        assertEquals("model answered 503", restored.getMessage());
        assertEquals("java.lang.IllegalStateException: model answered 503", restored.toString());
        assertArrayEquals(error.getStackTrace(), restored.getStackTrace());
        var cause = assertInstanceOf(RestoredThrowable.class, restored.getCause());
        assertEquals("java.io.UncheckedIOException", cause.originalClassName());
        assertArrayEquals(root.getStackTrace(), cause.getStackTrace());
        var rootCause = assertInstanceOf(RestoredThrowable.class, cause.getCause());
        assertEquals("java.io.IOException: reset by peer", rootCause.toString());
        assertNull(rootCause.getCause());

        assertEquals(json, codec.encodeCause(back), "a restored error is written as the original");
    }

    @Test
    void handlerThrew_withoutAMessageOrFrames_readsBackWithout() {
        var error = new IllegalArgumentException();
        error.setStackTrace(new StackTraceElement[0]);
        String json = codec.encodeCause(new FailureCause.HandlerThrew(error));
        assertEquals("{\"cause\":\"HandlerThrew\",\"error\":{\"class\":\"java.lang.IllegalArgumentException\","
                + "\"frames\":[]}}", json);
        var restored = (RestoredThrowable) ((FailureCause.HandlerThrew) codec.decodeCause(json).orThrow()).error();
        assertNull(restored.getMessage());
        assertEquals(0, restored.getStackTrace().length);
    }

    @Test
    void handlerThrew_writesAtMostEightCausesBelowTheError_evenForACycle() {
        var a = new IllegalStateException("a");
        var b = new IllegalStateException("b", a);
        a.initCause(b);
        var restored = (RestoredThrowable) ((FailureCause.HandlerThrew) codec.decodeCause(
                codec.encodeCause(new FailureCause.HandlerThrew(a))).orThrow()).error();
        int causes = 0;
        for (Throwable t = restored.getCause(); t != null; t = t.getCause()) {
            causes++;
            assertEquals(causes % 2 == 1 ? "b" : "a", t.getMessage());
        }
        assertEquals(CauseJson.MAX_CAUSED_BY, causes);
    }

    @Test
    void other_ofAnUnregisteredClass_throwsOnEncode_andAnUnknownTypeIdIsUnknownTypeOnDecode() {
        var e = assertThrows(CodecException.class, () -> codec.encodeCause(new Unlisted("x")));
        assertEquals("failure cause " + Unlisted.class.getName() + " has no type id; register it: "
                + "JsonCodec.builder().register(\"<type id>\", Unlisted.class)", e.getMessage());
        assertThrows(CodecException.class,
                () -> codec.encodeCause(new FailureCause.RetriesExhausted(1, new Unlisted("x"))));
        assertEquals(new Decoded.UnknownType<FailureCause>("quota.Unheard"),
                codec.decodeCause("{\"cause\":\"Other\",\"type\":\"quota.Unheard\",\"value\":{}}"));
        assertEquals(new Decoded.UnknownType<FailureCause>("quota.Unheard"), codec.decodeCause(
                "{\"cause\":\"RetriesExhausted\",\"attempts\":2,\"last\":{\"cause\":\"Other\",\"type\":\"quota.Unheard\"}}"));
    }

    @Test
    void causesNestedDeeperThanJacksonAllows_areUnreadable_notAStackOverflow() {
        String deep = "{\"cause\":\"RetriesExhausted\",\"attempts\":1,\"last\":".repeat(5_000)
                + "{\"cause\":\"Cancelled\",\"reason\":\"r\"}" + "}".repeat(5_000);
        String reason = unreadable(deep);
        assertTrue(reason.contains("nesting depth"), reason);
    }

    private String unreadable(String text) {
        Decoded<FailureCause> decoded = codec.decodeCause(text);
        var unreadable = assertInstanceOf(Decoded.Unreadable.class, decoded, () -> text + " gave " + decoded);
        assertEquals("cause", unreadable.typeId());
        return unreadable.reason();
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            not JSON            | {"cause":                                                  | not valid JSON
            empty text          | ''                                                         | a failure cause must be a JSON object, but was no value
            not an object       | ["TimedOut"]                                               | a failure cause must be a JSON object, but was array ["TimedOut"]
            no discriminator    | {"timeout":"PT5S"}                                         | field 'cause' is missing
            unknown variant     | {"cause":"Exploded"}                                       | field 'cause' is 'Exploded', which is no failure cause; expected one of NoHandler,
            mistyped string     | {"cause":"Rejected","reason":7}                            | field 'reason' must be a string, but was number 7
            bad duration        | {"cause":"TimedOut","timeout":"5 seconds"}                 | field 'timeout' must be an ISO-8601 duration such as PT5S, but was '5 seconds'
            bad instant         | {"cause":"ApprovalExpired","expiredAt":"soon"}             | field 'expiredAt' must be an ISO-8601 instant
            mistyped int        | {"cause":"BulkheadFull","bulkhead":"b","maxConcurrent":"4"} | field 'maxConcurrent' must be a 32-bit integer, but was string "4"
            refused value       | {"cause":"RetriesExhausted","attempts":0,"last":{"cause":"Cancelled","reason":"r"}} | RetriesExhausted refused its fields: attempts must be at least 1, but was 0
            nested bad field    | {"cause":"RetriesExhausted","attempts":2,"last":{"cause":"TimedOut"}} | field 'last.timeout' is missing
            bad frame           | {"cause":"HandlerThrew","error":{"class":"X","frames":[{"declaringClass":"A","methodName":"m","lineNumber":"7"}]}} | field 'error.frames[0].lineNumber' must be a 32-bit integer
            frames not array    | {"cause":"HandlerThrew","error":{"class":"X","frames":{}}} | field 'error.frames' must be an array
            bad causedBy        | {"cause":"HandlerThrew","error":{"class":"X","frames":[],"causedBy":{"frames":[]}}} | field 'error.causedBy.class' is missing
            other missing field | {"cause":"Other","type":"quota.Exceeded","value":{"tenant":"a"}} | field 'value.limit' is missing
            other mistyped      | {"cause":"Other","type":"quota.Exceeded","value":{"tenant":"a","limit":"x"}} | field 'value.limit':
            other not a cause   | {"cause":"Other","type":"chat.AskModel","value":{"prompt":"p"}} | field 'type' is 'chat.AskModel', which names
            """)
    void badText_isUnreadableWithAReasonNamingTheField(String kind, String text, String expected) {
        String reason = unreadable(text);
        assertTrue(reason.contains(expected), kind + ": " + reason);
    }
}
