package org.llmgine.bus.codec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.llmgine.bus.codec.TestMessages.AnswerDone;
import org.llmgine.bus.codec.TestMessages.AskModel;
import org.llmgine.bus.codec.TestMessages.ChatEvent;
import org.llmgine.bus.codec.TestMessages.Clash;
import org.llmgine.bus.codec.TestMessages.Counted;
import org.llmgine.bus.codec.TestMessages.Customer;
import org.llmgine.bus.codec.TestMessages.Fine;
import org.llmgine.bus.codec.TestMessages.Line;
import org.llmgine.bus.codec.TestMessages.Mixed;
import org.llmgine.bus.codec.TestMessages.OrderPlaced;
import org.llmgine.bus.codec.TestMessages.Point;
import org.llmgine.bus.codec.TestMessages.QuotaExceeded;
import org.llmgine.bus.codec.TestMessages.Renamed;
import org.llmgine.bus.codec.TestMessages.TokenStreamed;
import org.llmgine.bus.codec.TestMessages.ToolCalled;
import org.llmgine.bus.codec.TestMessages.ToolEvent;
import org.llmgine.bus.codec.TestMessages.ToolReturned;
import org.llmgine.bus.codec.TestMessages.Urgency;
import org.llmgine.bus.message.BackpressureChanged;
import org.llmgine.bus.message.Event;
import org.llmgine.bus.message.Message;

/** Registration, and messages written and read back, including every way a payload can be bad. */
final class JsonCodecTest {

    private final JsonCodec codec = JsonCodec.builder()
            .register("chat.AskModel", AskModel.class)
            .register("shop.OrderPlaced", OrderPlaced.class)
            .register("user.Renamed", Renamed.class)
            .register("test.Counted", Counted.class)
            .register("quota.Exceeded", QuotaExceeded.class)
            .registerSealed("chat", ChatEvent.class)
            .build();

    private static final OrderPlaced ORDER = new OrderPlaced("o-1", 3, 12_000_000_000L, 19.95, true,
            List.of(new Line("sku-1", 2), new Line("sku-2", 1)), new Customer("Ada", null),
            Map.of("sku-1", 40, "sku-2", 0), Instant.parse("2026-01-31T12:00:00.123Z"), Duration.ofSeconds(90),
            Urgency.HIGH);

    private Message roundTrip(Message message) {
        Encoded encoded = codec.encode(message);
        return codec.decode(encoded.typeId(), encoded.payload()).orThrow();
    }

    private String unreadable(String typeId, String payload) {
        Decoded<Message> decoded = codec.decode(typeId, payload);
        var unreadable = assertInstanceOf(Decoded.Unreadable.class, decoded,
                () -> "decoding " + payload + " gave " + decoded);
        assertEquals(typeId, unreadable.typeId());
        return unreadable.reason();
    }

    @Test
    void encode_writesTheTypeIdAndTheRecordAsJson() {
        Encoded encoded = codec.encode(new AskModel("hi \"there\""));
        assertEquals(new Encoded("chat.AskModel", "{\"prompt\":\"hi \\\"there\\\"\"}"), encoded);
    }

    @Test
    void roundTrip_ofScalarsNestedRecordsListsMapsTimeAndEnums_givesAnEqualRecord() {
        assertEquals(ORDER, roundTrip(ORDER));
        assertEquals(new AskModel(""), roundTrip(new AskModel("")));
        assertEquals(new ToolCalled("search", List.of()), roundTrip(new ToolCalled("search", List.of())));
    }

    @Test
    void roundTrip_ofNonFiniteDoubles_keepsThem() {
        for (double price : new double[] {Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, -0.0}) {
            var order = new OrderPlaced(ORDER.id(), 1, 1, price, false, List.of(), ORDER.customer(), Map.of(),
                    ORDER.at(), ORDER.within(), Urgency.LOW);
            assertEquals(order, roundTrip(order), () -> codec.encode(order).payload());
        }
    }

    @Test
    void roundTrip_ofANullComponent_keepsTheNull() {
        assertEquals(new ToolReturned("search", null), roundTrip(new ToolReturned("search", null)));
    }

    @Test
    void register_ofARecordWhosePackageIsOnlyExported_isRefusedNamingTheOpensLine() {
        // org.llmgine.bus.message is exported by the core but not opened: Jackson 3 could not call its accessors.
        var e = assertThrows(IllegalArgumentException.class,
                () -> JsonCodec.builder().register("bus.BackpressureChanged", BackpressureChanged.class));
        assertEquals("org.llmgine.bus.message.BackpressureChanged is in package org.llmgine.bus.message of module "
                + "org.llmgine.bus, which is not open to tools.jackson.databind; add 'opens org.llmgine.bus.message "
                + "to tools.jackson.databind;' to the module-info.java of org.llmgine.bus", e.getMessage());
    }

    @Test
    void registerSealed_registersEveryRecordBelowNestedSealedInterfaces_asPrefixDotSimpleName() {
        assertEquals(Set.of("chat.AnswerDone", "chat.TokenStreamed", "chat.ToolCalled", "chat.ToolReturned"),
                JsonCodec.builder().registerSealed("chat", ChatEvent.class).build().typeIds());
        assertEquals(Optional.of("chat.ToolCalled"), codec.typeIdOf(ToolCalled.class));
        assertEquals(new TokenStreamed("t", 1), roundTrip(new TokenStreamed("t", 1)));
        assertEquals(new AnswerDone("42"), roundTrip(new AnswerDone("42")));
        assertEquals(Set.of("chat.ToolCalled", "chat.ToolReturned"),
                JsonCodec.builder().registerSealed("chat", ToolEvent.class).build().typeIds());
    }

    @Test
    void registerSealed_overlappingAnExplicitRegistrationOfTheSameId_isFine() {
        JsonCodec both = JsonCodec.builder().register("chat.AnswerDone", AnswerDone.class)
                .registerSealed("chat", ChatEvent.class).register("chat.TokenStreamed", TokenStreamed.class).build();
        assertEquals(4, both.typeIds().size());
    }

    @Test
    void registerSealed_refusesALeafThatIsNeitherARecordNorSealed_andRegistersNothing() {
        JsonCodec.Builder builder = JsonCodec.builder();
        var e = assertThrows(IllegalArgumentException.class, () -> builder.registerSealed("mixed", Mixed.class));
        assertTrue(e.getMessage().contains(TestMessages.NotARecord.class.getName()), e.getMessage());
        assertTrue(e.getMessage().contains("neither a record nor a sealed interface"), e.getMessage());
        assertEquals(Set.of(), builder.build().typeIds(), "all or nothing: Fine is not registered either");
        assertEquals(Set.of("mixed.Fine"), builder.register("mixed.Fine", Fine.class).build().typeIds());
    }

    @Test
    void registerSealed_refusesTwoRecordsWithTheSameSimpleName_namingBoth() {
        var e = assertThrows(IllegalArgumentException.class,
                () -> JsonCodec.builder().registerSealed("clash", Clash.class));
        assertTrue(e.getMessage().contains("'clash.Started'"), e.getMessage());
        assertTrue(e.getMessage().contains(TestMessages.Left.Started.class.getName()), e.getMessage());
        assertTrue(e.getMessage().contains(TestMessages.Right.Started.class.getName()), e.getMessage());
    }

    @Test
    void registerSealed_refusesABlankPrefixAndATypeThatIsNotASealedInterface() {
        var blank = assertThrows(IllegalArgumentException.class,
                () -> JsonCodec.builder().registerSealed(" ", ChatEvent.class));
        assertTrue(blank.getMessage().contains("prefix must not be blank"), blank.getMessage());
        var open = assertThrows(IllegalArgumentException.class,
                () -> JsonCodec.builder().registerSealed("bus", Event.class));
        assertTrue(open.getMessage().contains("org.llmgine.bus.message.Event is not a sealed interface"),
                open.getMessage());
    }

    @Test
    void register_theSameIdForTwoClasses_throwsNamingBoth() {
        JsonCodec.Builder builder = JsonCodec.builder().register("chat.Ask", AskModel.class);
        var e = assertThrows(IllegalArgumentException.class, () -> builder.register("chat.Ask", AnswerDone.class));
        assertEquals("type id 'chat.Ask' is already registered for " + AskModel.class.getName()
                + "; it cannot also name " + AnswerDone.class.getName(), e.getMessage());
    }

    @Test
    void register_oneClassUnderTwoIds_throwsNamingBoth_butTheSamePairAgainIsANoOp() {
        JsonCodec.Builder builder = JsonCodec.builder().register("chat.Ask", AskModel.class)
                .register("chat.Ask", AskModel.class);
        var e = assertThrows(IllegalArgumentException.class, () -> builder.register("chat.AskModel", AskModel.class));
        assertEquals(AskModel.class.getName() + " is already registered as 'chat.Ask'; it cannot also be "
                + "registered as 'chat.AskModel'", e.getMessage());
        assertEquals(Set.of("chat.Ask"), builder.build().typeIds());
    }

    @Test
    void register_refusesBlankIdsAndNonRecords_andTakesAnyRecordAsAResultType() {
        var blank = assertThrows(IllegalArgumentException.class, () -> JsonCodec.builder().register("  ", AskModel.class));
        assertTrue(blank.getMessage().startsWith("type id must not be blank, but was '  '"), blank.getMessage());
        JsonCodec withResult = JsonCodec.builder().register("geo.Point", Point.class).build(); // a command's result
        var notAMessage = assertInstanceOf(Decoded.Unreadable.class, withResult.decode("geo.Point", "{\"x\":1,\"y\":2}"));
        assertTrue(notAMessage.reason().contains("not a message"), notAMessage.reason());
        var notARecord = assertThrows(IllegalArgumentException.class,
                () -> JsonCodec.builder().register("chat.Event", ChatEvent.class));
        assertTrue(notARecord.getMessage().contains("is not a record"), notARecord.getMessage());
    }

    @Test
    void requireReadable_acceptsAPackageOpenToTheReader_only() {
        Module databind = ModuleLayer.boot().findModule("tools.jackson.databind").orElseThrow();
        TypeRegistry.requireReadable(AskModel.class, databind); // opened by the tests' --add-opens
        Module core = ModuleLayer.boot().findModule("tools.jackson.core").orElseThrow();
        var e = assertThrows(IllegalArgumentException.class, () -> TypeRegistry.requireReadable(AskModel.class, core));
        assertTrue(e.getMessage().endsWith("add 'opens org.llmgine.bus.codec to tools.jackson.core;' to the "
                + "module-info.java of org.llmgine.bus.codec"), e.getMessage());
    }

    @Test
    void encode_ofAnUnregisteredClass_throwsNamingTheClassAndHowToRegisterIt() {
        var e = assertThrows(CodecException.class, () -> JsonCodec.builder().build().encode(new AskModel("hi")));
        assertEquals("message class " + AskModel.class.getName() + " has no type id; register it: "
                + "JsonCodec.builder().register(\"<type id>\", AskModel.class)", e.getMessage());
    }

    @Test
    void decode_ofAnUnknownTypeId_isUnknownType() {
        assertEquals(new Decoded.UnknownType<Message>("chat.Unheard"), codec.decode("chat.Unheard", "{}"));
    }

    @Test
    void decode_ofTheIdOfAFailureCause_isUnreadable() {
        assertTrue(unreadable("quota.Exceeded", "{\"tenant\":\"a\",\"limit\":1}").contains("not a message"));
    }

    @Test
    void decode_toleratesUnknownFields() {
        assertEquals(new AskModel("hi"), codec.decode("chat.AskModel", "{\"prompt\":\"hi\",\"model\":\"x\"}").orThrow());
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            not JSON                 | {"prompt":                                | not valid JSON
            not JSON                 | {prompt: "x"}                             | not valid JSON at line 1, column 2
            empty text               | ''                                        | the payload is empty, not a JSON object
            blank text               | '  '                                      | the payload is empty, not a JSON object
            trailing garbage         | {"prompt":"x"} {                          | Trailing token
            duplicate field          | {"prompt":"x","prompt":"y"}               | Duplicate Object property "prompt"
            JSON null                | null                                      | the payload is JSON null
            an array                 | ["x"]                                     | from Array value
            missing field            | {}                                        | field 'prompt' is missing
            number for string        | {"prompt":42}                             | field 'prompt':
            object for string        | {"prompt":{"a":1}}                        | field 'prompt':
            """)
    void decode_ofABadAskModel_isUnreadableWithAReason(String kind, String payload, String expected) {
        String reason = unreadable("chat.AskModel", payload);
        assertTrue(reason.contains(expected), kind + ": " + reason);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            string for int           | {"count":"7"}                | field 'count':
            fraction for int         | {"count":1.5}                | field 'count':
            boolean for int          | {"count":true}               | field 'count':
            out of int range         | {"count":12345678901}        | field 'count':
            null for int             | {"count":null}               | field 'count':
            missing int              | {"other":1}                  | field 'count' is missing
            """)
    void decode_ofABadPrimitive_isUnreadable_neverADefault(String kind, String payload, String expected) {
        String reason = unreadable("test.Counted", payload);
        assertTrue(reason.contains(expected), kind + ": " + reason);
    }

    @Test
    void decode_reasons_leaveOutJacksonsAdviceToChangeItsSettings() {
        assertEquals("field 'count': Cannot coerce String value (\"7\") to `int` value",
                unreadable("test.Counted", "{\"count\":\"7\"}"));
        assertEquals("field 'count': Cannot map `null` into type `int`", unreadable("test.Counted", "{\"count\":null}"));
    }

    @Test
    void decode_ofAMistypedNestedField_namesItsPath() {
        String payload = codec.encode(ORDER).payload().replace("\"count\":1", "\"count\":\"one\"");
        String reason = unreadable("shop.OrderPlaced", payload);
        assertTrue(reason.startsWith("field 'lines[1].count': "), reason);
        String missing = unreadable("shop.OrderPlaced", codec.encode(ORDER).payload().replace("\"name\":\"Ada\",", ""));
        assertEquals("field 'customer.name' is missing", missing);
        String badTime = unreadable("shop.OrderPlaced", codec.encode(ORDER).payload()
                .replace("2026-01-31T12:00:00.123Z", "yesterday"));
        assertTrue(badTime.startsWith("field 'at': "), badTime);
        String badEnum = unreadable("shop.OrderPlaced", codec.encode(ORDER).payload().replace("\"HIGH\"", "\"MEDIUM\""));
        assertTrue(badEnum.startsWith("field 'urgency': ") && badEnum.contains("MEDIUM"), badEnum);
    }

    @Test
    void decode_ofValuesTheConstructorRefuses_isUnreadableWithItsMessage() {
        String reason = unreadable("user.Renamed", "{\"name\":\" \"}");
        assertEquals("its constructor refused the values: java.lang.IllegalArgumentException: name must not be "
                + "blank, but was ' '", reason);
    }

    @Test
    void oneCodec_isSharedByManyThreads_eachGettingItsOwnValuesBack() throws InterruptedException {
        JsonCodec shared = JsonCodec.builder().registerSealed("chat", ChatEvent.class).build(); // cold caches
        var failures = new java.util.concurrent.ConcurrentLinkedQueue<String>();
        var threads = new java.util.ArrayList<Thread>();
        for (int t = 0; t < 16; t++) {
            int thread = t;
            threads.add(Thread.ofVirtual().start(() -> {
                for (int i = 0; i < 500; i++) {
                    Message message = i % 2 == 0 ? new TokenStreamed("t" + thread, i) : new ToolCalled("tool" + thread,
                            List.of(String.valueOf(i)));
                    Encoded encoded = shared.encode(message);
                    if (!message.equals(shared.decode(encoded.typeId(), encoded.payload()).orThrow())) {
                        failures.add(thread + "/" + i + ": " + encoded);
                    }
                }
            }));
        }
        for (Thread thread : threads) {
            thread.join();
        }
        assertEquals(List.of(), List.copyOf(failures));
    }

    @Test
    void toString_listsTheTypeIds() {
        assertEquals("JsonCodec[chat.AskModel]", JsonCodec.builder().register("chat.AskModel", AskModel.class)
                .build().toString());
    }
}
