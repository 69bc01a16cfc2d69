package org.llmgine.bus.codec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.booleans;
import static org.quicktheories.generators.SourceDSL.doubles;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.lists;
import static org.quicktheories.generators.SourceDSL.longs;
import static org.quicktheories.generators.SourceDSL.maps;
import static org.quicktheories.generators.SourceDSL.strings;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.llmgine.bus.codec.TestMessages.Customer;
import org.llmgine.bus.codec.TestMessages.Line;
import org.llmgine.bus.codec.TestMessages.OrderPlaced;
import org.llmgine.bus.codec.TestMessages.QuotaExceeded;
import org.llmgine.bus.codec.TestMessages.ToolCalled;
import org.llmgine.bus.codec.TestMessages.Urgency;
import org.llmgine.bus.message.FailureCause;
import org.llmgine.bus.message.Headers;
import org.quicktheories.core.Gen;
import org.quicktheories.generators.Generate;

/** Random records, headers and causes come back equal; random damage to their text never throws. */
final class JsonCodecPropertiesTest {

    private final JsonCodec codec = JsonCodec.builder()
            .register("shop.OrderPlaced", OrderPlaced.class)
            .register("quota.Exceeded", QuotaExceeded.class)
            .registerSealed("chat", TestMessages.ChatEvent.class)
            .build();

    /** Any text without lone surrogates: quotes, backslashes, controls, non-Latin letters, emoji. */
    private static Gen<String> text() {
        Gen<String> bmp = strings().betweenCodePoints(0, 0xD7FF).ofLengthBetween(0, 12);
        Gen<String> astral = strings().betweenCodePoints(0x1F600, 0x1F64F).ofLengthBetween(0, 2);
        return bmp.zip(astral, String::concat);
    }

    private static Gen<Line> line() {
        return text().zip(integers().all(), Line::new);
    }

    private static Gen<Customer> customer() {
        return text().zip(Generate.oneOf(text(), Generate.constant((String) null)), Customer::new);
    }

    private record Scalars(String id, int quantity, long total, double price) {}

    private record Parts(List<Line> lines, Customer customer, Map<String, Integer> stock) {}

    private record Times(Instant at, Duration within) {}

    private static Gen<OrderPlaced> order() {
        Gen<Scalars> scalars = text().zip(integers().all(), longs().all(), doubles().any(), Scalars::new);
        Gen<Parts> parts = lists().of(line()).ofSizeBetween(0, 5).zip(customer(),
                maps().of(text(), integers().all()).ofSizeBetween(0, 4), Parts::new);
        Gen<Instant> at = longs().between(Instant.MIN.getEpochSecond(), Instant.MAX.getEpochSecond())
                .zip(integers().between(0, 999_999_999), Instant::ofEpochSecond);
        Gen<Times> times = at.zip(longs().all().map(Duration::ofNanos), Times::new);
        return scalars.zip(parts, booleans().all(), times, Generate.enumValues(Urgency.class),
                (s, p, urgent, t, urgency) -> new OrderPlaced(s.id(), s.quantity(), s.total(), s.price(), urgent,
                        p.lines(), p.customer(), p.stock(), t.at(), t.within(), urgency));
    }

    @Test
    void anyRecord_roundTripsEqual() {
        qt().withExamples(300).forAll(order()).checkAssert(order -> {
            Encoded encoded = codec.encode(order);
            assertEquals(order, codec.decode(encoded.typeId(), encoded.payload()).orThrow(), encoded.payload());
        });
        qt().withExamples(100).forAll(text(), lists().of(text()).ofSizeBetween(0, 6)).checkAssert((tool, args) -> {
            var called = new ToolCalled(tool, args);
            Encoded encoded = codec.encode(called);
            assertEquals("chat.ToolCalled", encoded.typeId());
            assertEquals(called, codec.decode(encoded.typeId(), encoded.payload()).orThrow());
        });
    }

    @Test
    void anyHeaders_roundTripEqual() {
        Gen<String> key = text().assuming(k -> !k.isBlank());
        qt().withExamples(300).forAll(maps().of(key, text()).ofSizeBetween(0, 8)).checkAssert(entries -> {
            Headers headers = Headers.copyOf(entries);
            assertEquals(new Decoded.Ok<>(headers), codec.decodeHeaders(codec.encodeHeaders(headers)));
        });
    }

    private static Gen<FailureCause> leafCause() {
        return Generate.oneOf(text().map(FailureCause.Rejected::new),
                longs().between(0, Long.MAX_VALUE).map(n -> new FailureCause.TimedOut(Duration.ofNanos(n))),
                text().zip(integers().all(), FailureCause.BulkheadFull::new),
                text().zip(longs().between(-1_000_000_000_000L, 1_000_000_000_000L),
                        (name, millis) -> new FailureCause.CircuitOpen(name, Instant.ofEpochMilli(millis))),
                text().zip(integers().all(), QuotaExceeded::new).map(FailureCause.class::cast),
                text().map(FailureCause.Cancelled::new));
    }

    @Test
    void anyChainOfRetriedCauses_roundTripsEqual() {
        qt().withExamples(200).forAll(leafCause(), lists().of(integers().between(1, 1000)).ofSizeBetween(0, 6))
                .checkAssert((leaf, attempts) -> {
                    FailureCause cause = leaf;
                    for (int n : attempts) {
                        cause = new FailureCause.RetriesExhausted(n, cause);
                    }
                    assertEquals(new Decoded.Ok<>(cause), codec.decodeCause(codec.encodeCause(cause)));
                });
    }

    @Test
    void damagedText_neverThrows_itDecodesOrIsReportedWithAReason() {
        String order = codec.encode(new OrderPlaced("o-1", 3, 12L, 19.95, true, List.of(new Line("sku", 2)),
                new Customer("Ada", null), Map.of("sku", 4), Instant.EPOCH, Duration.ofSeconds(9), Urgency.LOW))
                .payload();
        String cause = codec.encodeCause(new FailureCause.RetriesExhausted(2, new QuotaExceeded("acme", 5)));
        String headers = codec.encodeHeaders(Headers.of("a", "b").with("c", "d"));
        qt().withExamples(500).forAll(integers().between(0, 1000), integers().between(0, 1000),
                strings().ascii().ofLengthBetween(0, 3)).checkAssert((cut, at, junk) -> {
                    for (String valid : List.of(order, cause, headers)) {
                        String damaged = damage(valid, cut, at, junk);
                        assertReported(codec.decode("shop.OrderPlaced", damaged));
                        assertReported(codec.decodeCause(damaged));
                        assertReported(codec.decodeHeaders(damaged));
                    }
                });
    }

    /** Cuts the text short, or splices junk into it, by the given numbers. */
    private static String damage(String valid, int cut, int at, String junk) {
        int where = at % (valid.length() + 1);
        return cut % 2 == 0
                ? valid.substring(0, Math.min(valid.length(), cut % (valid.length() + 1)))
                : valid.substring(0, where) + junk + valid.substring(Math.min(valid.length(), where + junk.length()));
    }

    private static void assertReported(Decoded<?> decoded) {
        assertNotNull(decoded);
        if (decoded instanceof Decoded.Unreadable<?> unreadable) {
            assertInstanceOf(String.class, unreadable.reason());
            if (unreadable.reason().isBlank()) {
                throw new AssertionError("blank reason for " + unreadable);
            }
        }
    }
}
