package org.llmgine.bus.codec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.llmgine.bus.message.Headers;

/** Headers written as a JSON object of strings and read back, and the ways their text can be bad. */
final class HeadersCodecTest {

    private final JsonCodec codec = JsonCodec.builder().build();

    @Test
    void headers_areWrittenAsAnObjectOfStringsWithSortedKeys_andReadBackEqual() {
        var headers = Headers.copyOf(Map.of("traceId", "4bf9", "tenant", "acme", "note", "\"quoted\" \u00e9 \n"));
        String json = codec.encodeHeaders(headers);
        assertEquals("{\"note\":\"\\\"quoted\\\" \u00e9 \\n\",\"tenant\":\"acme\",\"traceId\":\"4bf9\"}", json);
        assertEquals(new Decoded.Ok<>(headers), codec.decodeHeaders(json));
    }

    @Test
    void emptyHeaders_areAnEmptyObject() {
        assertEquals("{}", codec.encodeHeaders(Headers.empty()));
        assertEquals(new Decoded.Ok<>(Headers.empty()), codec.decodeHeaders("{}"));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            not JSON         | {"a":                  | not valid JSON
            empty text       | ''                     | headers must be a JSON object of strings, but were no value
            an array         | ["a"]                  | headers must be a JSON object of strings, but were array ["a"]
            a string         | "a"                    | headers must be a JSON object of strings, but were string "a"
            number value     | {"a":"x","b":2}        | header 'b' must be a string, but was number 2
            null value       | {"a":null}             | header 'a' must be a string, but was null
            object value     | {"a":{"b":"c"}}        | header 'a' must be a string, but was object {"b":"c"}
            blank key        | {" ":"x"}              | header key must not be blank
            duplicate key    | {"a":"x","a":"y"}      | Duplicate Object property "a"
            """)
    void badText_isUnreadableHeaders(String kind, String text, String expected) {
        Decoded<Headers> decoded = codec.decodeHeaders(text);
        var unreadable = assertInstanceOf(Decoded.Unreadable.class, decoded, () -> kind + " gave " + decoded);
        assertEquals("headers", unreadable.typeId());
        assertTrue(unreadable.reason().contains(expected), kind + ": " + unreadable.reason());
    }
}
