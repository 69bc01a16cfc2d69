package org.llmgine.bus.codec;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import org.jspecify.annotations.Nullable;
import org.llmgine.bus.message.CommandResult;
import org.llmgine.bus.message.FailureCause;
import org.llmgine.bus.message.Headers;
import org.llmgine.bus.message.Message;
import tools.jackson.core.JacksonException;
import tools.jackson.core.StreamReadFeature;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.MapperFeature;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.cfg.CoercionAction;
import tools.jackson.databind.cfg.CoercionInputShape;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.type.LogicalType;

/**
 * A {@link MessageCodec} that writes JSON with Jackson 3: a message's payload is the JSON object of
 * its record's components, headers are a JSON object of strings, a failure cause is an object whose
 * {@code cause} field names the variant.
 *
 * <pre>{@code
 * MessageCodec codec = JsonCodec.builder()
 *         .register("chat.AskModel", AskModel.class)
 *         .registerSealed("chat", ChatEvent.class)   // chat.TokenStreamed, chat.AnswerDone, ...
 *         .build();
 * Encoded encoded = codec.encode(new AskModel("hi"));  // chat.AskModel, {"prompt":"hi"}
 * Message back = codec.decode(encoded.typeId(), encoded.payload()).orThrow();
 * }</pre>
 *
 * <p><b>Type ids.</b> Only registered record classes are written and read, each under the id it was
 * registered with: the codec never writes a class name as a type id, never loads a class by name,
 * uses no Jackson default typing and no Java serialization. {@link Builder#registerSealed} names
 * each record {@code prefix + "." + simpleName}. Messages and {@link FailureCause.Other} causes share
 * one namespace of ids.
 *
 * <p><b>Reading.</b> {@code decode} never throws for bad input. An unknown id gives
 * {@link Decoded.UnknownType}; text that does not read as the record gives {@link Decoded.Unreadable}
 * whose reason names the field where it can: malformed JSON, a value of the wrong JSON type (a string
 * is not coerced to a number nor a number to a string; a fraction is not truncated to an integer),
 * a missing component (missing components are errors, never silent defaults), a JSON null for a
 * primitive, a record constructor that throws. Unknown extra fields are ignored (forward
 * compatibility): a reader whose record lacks a component that a newer writer added still reads the
 * payload. The other direction is not free: a record that gained a component cannot read older
 * payloads without it. A JSON null for a reference component is passed to the constructor, so
 * {@code @Nullable} components round trip; a record that refuses null checks in its compact
 * constructor, which makes the null {@code Unreadable}. Components must have concrete types (a
 * component of a sealed interface type needs Jackson annotations of the application's own).
 *
 * <p><b>Modules.</b> Jackson reflects on the registered records, so their package must be open to
 * {@code tools.jackson.databind}: {@code opens com.example.chat to tools.jackson.databind;} in the
 * application's {@code module-info.java}. Exporting the package is not enough, even for public
 * records: Jackson 3 reaches accessors and constructors through method handles, which need deep
 * access. {@code register} checks this and refuses a record Jackson could not read, naming the line
 * to add. On the class path nothing is needed.
 *
 * <p>Immutable and thread-safe once built; its one {@link JsonMapper} is made by {@link Builder#build}.
 */
public final class JsonCodec implements MessageCodec {

    private final TypeRegistry registry;
    private final JsonMapper mapper;
    private final ResultJson results;
    private final CauseJson causes;

    private JsonCodec(TypeRegistry registry) {
        this.registry = registry;
        this.mapper = newMapper();
        this.causes = new CauseJson(mapper, registry);
        this.results = new ResultJson(mapper, registry, causes);
    }

    /**
     * Starts a codec with no type registered.
     *
     * @return a new builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Writes a message under its class's type id.
     *
     * @param message the event or command
     * @return its type id and its record's components as a JSON object
     * @throws CodecException if its class is not registered, or Jackson cannot write it
     */
    @Override
    public Encoded encode(Message message) {
        Objects.requireNonNull(message, "message");
        Class<?> type = message.getClass();
        String typeId = registry.idOf(type);
        if (typeId == null) {
            throw new CodecException("message class " + type.getName() + " has no type id; register it: "
                    + "JsonCodec.builder().register(\"<type id>\", " + type.getSimpleName() + ".class)");
        }
        try {
            return new Encoded(typeId, mapper.writeValueAsString(message));
        } catch (JacksonException e) {
            throw new CodecException("cannot write message '" + typeId + "' (" + type.getName() + "): "
                    + e.getOriginalMessage(), e);
        }
    }

    /**
     * Reads a message; never throws for bad input.
     *
     * @param typeId the id it was written under
     * @param payload its JSON
     * @return the message, {@link Decoded.UnknownType} if no class has the id, or
     *     {@link Decoded.Unreadable} naming the field that is missing, mistyped or refused
     */
    @Override
    public Decoded<Message> decode(String typeId, String payload) {
        Objects.requireNonNull(typeId, "typeId");
        Objects.requireNonNull(payload, "payload");
        Class<?> type = registry.classOf(typeId);
        if (type == null) {
            return new Decoded.UnknownType<>(typeId);
        }
        if (!Message.class.isAssignableFrom(type)) {
            return new Decoded.Unreadable<>(typeId, "type id '" + typeId + "' names " + type.getName()
                    + ", which is not a message (a failure cause or a command result type)");
        }
        if (payload.isBlank()) {
            return new Decoded.Unreadable<>(typeId, "the payload is empty, not a JSON object");
        }
        try {
            Object value = mapper.readValue(payload, type);
            if (value == null) {
                return new Decoded.Unreadable<>(typeId, "the payload is JSON null, not an object");
            }
            return new Decoded.Ok<>((Message) value);
        } catch (JacksonException e) {
            return new Decoded.Unreadable<>(typeId, JacksonReasons.of(e, ""));
        } catch (RuntimeException e) { // a reader defect, not the input's; still reported, never thrown
            return new Decoded.Unreadable<>(typeId, "cannot read " + type.getName() + ": " + e);
        }
    }

    /**
     * Writes headers as a JSON object of strings, keys sorted.
     *
     * @param headers the headers
     * @return for example {@code {"tenant":"acme","traceId":"4bf9"}}
     */
    @Override
    public String encodeHeaders(Headers headers) {
        Objects.requireNonNull(headers, "headers");
        try {
            return mapper.writeValueAsString(new TreeMap<>(headers.asMap()));
        } catch (JacksonException e) {
            throw new CodecException("cannot write " + headers + ": " + e.getOriginalMessage(), e);
        }
    }

    /**
     * Reads headers; never throws for bad text.
     *
     * @param text a JSON object whose values are strings
     * @return the headers, or {@link Decoded.Unreadable} with type id {@code headers} if the text is
     *     not such an object, a value is not a string, or a key is blank
     */
    @Override
    public Decoded<Headers> decodeHeaders(String text) {
        Objects.requireNonNull(text, "text");
        JsonNode tree;
        try {
            tree = mapper.readTree(text);
        } catch (JacksonException e) {
            return new Decoded.Unreadable<>("headers", JacksonReasons.of(e, ""));
        }
        if (!tree.isObject()) {
            return new Decoded.Unreadable<>("headers", "headers must be a JSON object of strings, but were "
                    + JacksonReasons.describe(tree));
        }
        var entries = new LinkedHashMap<String, String>();
        for (Map.Entry<String, JsonNode> entry : tree.properties()) {
            if (!entry.getValue().isString()) {
                return new Decoded.Unreadable<>("headers", "header '" + entry.getKey() + "' must be a string, but was "
                        + JacksonReasons.describe(entry.getValue()));
            }
            entries.put(entry.getKey(), entry.getValue().stringValue());
        }
        try {
            return new Decoded.Ok<>(Headers.copyOf(entries));
        } catch (IllegalArgumentException e) {
            return new Decoded.Unreadable<>("headers", e.getMessage());
        }
    }

    /**
     * Writes a failure cause as a JSON object whose {@code cause} field names the variant, for
     * example {@code {"cause":"TimedOut","timeout":"PT5S"}}. A {@code NoHandler}'s command type is
     * written as its type id ({@code commandType}) when registered, else as its class name
     * ({@code commandClass}, readable back only by a codec that registers that class). A thrown
     * error is written as its class name (a {@link RestoredThrowable}'s original one), message,
     * stack frames and up to eight causes below it; suppressed exceptions are not written. An
     * {@code Other} is written as {@code {"cause":"Other","type":"<type id>","value":{...}}}.
     *
     * @param cause the cause
     * @return its JSON
     * @throws CodecException if it is, or its {@code RetriesExhausted} chain ends in, an
     *     {@link FailureCause.Other} whose class is not registered
     */
    @Override
    public String encodeCause(FailureCause cause) {
        return causes.encode(cause);
    }

    /**
     * Reads a failure cause; never throws for bad text. A thrown error comes back as a
     * {@link RestoredThrowable} with the original class name, message, frames and causes.
     *
     * @param text what {@link #encodeCause} wrote
     * @return the cause; {@link Decoded.UnknownType} with the id of an {@code Other} whose type id is
     *     not registered here; or {@link Decoded.Unreadable} with type id {@code cause}, naming the
     *     field, for anything else that does not read (an unregistered command type among them)
     */
    @Override
    public Decoded<FailureCause> decodeCause(String text) {
        return causes.decode(text);
    }

    /**
     * Writes a command's result as JSON: {@code {"ok":true,"type":"string","value":"done"}}, or
     * {@code {"ok":false,"cause":{...}}}.
     *
     * @param result the result
     * @return its JSON
     * @throws CodecException if the value's class is neither built in nor registered
     */
    @Override
    public String encodeResult(CommandResult<?> result) {
        return results.encode(result);
    }

    /**
     * Reads a command's result; never throws for bad text.
     *
     * @param text what {@link #encodeResult} wrote
     * @return the result, or why it does not read
     */
    @Override
    public Decoded<CommandResult<@Nullable Object>> decodeResult(String text) {
        return results.decode(text);
    }

    /**
     * Returns the registered type ids.
     *
     * @return the ids, sorted
     */
    public Set<String> typeIds() {
        return registry.typeIds();
    }

    /**
     * Returns the type id a class is registered under.
     *
     * @param type a message or {@code FailureCause.Other} record class
     * @return its id, or empty if it is not registered
     */
    public Optional<String> typeIdOf(Class<?> type) {
        return Optional.ofNullable(registry.idOf(Objects.requireNonNull(type, "type")));
    }

    /**
     * Describes the codec by its registered ids.
     *
     * @return for example {@code JsonCodec[chat.AskModel, chat.TokenStreamed]}
     */
    @Override
    public String toString() {
        return "JsonCodec" + registry.typeIds();
    }

    private static JsonMapper newMapper() {
        return JsonMapper.builder()
                .enable(DeserializationFeature.FAIL_ON_MISSING_CREATOR_PROPERTIES,
                        DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES,
                        DeserializationFeature.FAIL_ON_TRAILING_TOKENS,
                        DeserializationFeature.FAIL_ON_READING_DUP_TREE_KEY)
                .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, // forward compatibility
                        DeserializationFeature.ACCEPT_FLOAT_AS_INT)
                .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
                .disable(MapperFeature.ALLOW_COERCION_OF_SCALARS)
                .withCoercionConfig(LogicalType.Textual, config -> config
                        .setCoercion(CoercionInputShape.Integer, CoercionAction.Fail)
                        .setCoercion(CoercionInputShape.Float, CoercionAction.Fail)
                        .setCoercion(CoercionInputShape.Boolean, CoercionAction.Fail))
                .build();
    }

    /**
     * Collects the type ids of a {@link JsonCodec}. Every call validates at once and throws
     * {@link IllegalArgumentException} on a bad or conflicting registration. Not thread-safe: build
     * on one thread, then share the codec.
     */
    public static final class Builder {

        private final TypeRegistry.Builder registry = new TypeRegistry.Builder(ObjectMapper.class.getModule());

        private Builder() {
        }

        /**
         * Registers a record class under a type id. Registering the same class under the same id
         * again does nothing.
         *
         * @param typeId the id to write, not blank, for example {@code chat.AskModel}
         * @param type a record: an {@link org.llmgine.bus.message.Event}, a
         *     {@link org.llmgine.bus.message.Command}, a {@link FailureCause.Other}, or the result type
         *     of a command executed across JVMs
         * @return this builder
         * @throws IllegalArgumentException if the id is blank, already names another class, the class
         *     already has another id, it is not a record, or Jackson may not reflect on its
         *     package (the message names the {@code opens} line to add)
         */
        public Builder register(String typeId, Class<?> type) {
            registry.add(typeId, type);
            return this;
        }

        /**
         * Registers every record a sealed interface permits, walking the sealed interfaces among
         * them, each under {@code prefix + "." + simpleName} ({@code registerSealed("chat",
         * ChatEvent.class)} registers {@code ChatEvent.TokenStreamed} as {@code chat.TokenStreamed}).
         * The ids do not depend on how the interfaces nest. All or nothing: if one record is refused,
         * none is registered.
         *
         * @param prefix the ids' prefix, not blank
         * @param sealedType a sealed interface whose permitted subclasses are records and sealed
         *     interfaces
         * @return this builder
         * @throws IllegalArgumentException if the prefix is blank, the type is not a sealed interface,
         *     it permits a class that is neither a record nor a sealed interface, two records share a
         *     simple name, or a record is refused as by {@link #register}
         */
        public Builder registerSealed(String prefix, Class<?> sealedType) {
            registry.addSealed(prefix, sealedType);
            return this;
        }

        /**
         * Builds the codec with the types registered so far; the builder stays usable.
         *
         * @return an immutable, thread-safe codec
         */
        public JsonCodec build() {
            return new JsonCodec(registry.build());
        }
    }
}
