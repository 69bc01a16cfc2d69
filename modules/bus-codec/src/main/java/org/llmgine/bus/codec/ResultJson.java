package org.llmgine.bus.codec;

import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;
import org.llmgine.bus.message.CommandResult;
import org.llmgine.bus.message.FailureCause;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * The JSON form of a {@link CommandResult}, for a command executed on another instance:
 * {@code {"ok":true,"type":"string","value":"done"}}, {@code {"ok":true,"type":"null"}} (a
 * {@code Command<Void>}), {@code {"ok":true,"type":"chat.Answer","value":{...}}} (a registered
 * record), or {@code {"ok":false,"cause":{...}}} with the cause as {@link CauseJson} writes it. The
 * built-in value types are {@code string}, {@code boolean}, {@code int}, {@code long} and
 * {@code double}.
 */
final class ResultJson {

    private static final Map<String, Class<?>> BUILT_IN = Map.of("string", String.class, "boolean", Boolean.class,
            "int", Integer.class, "long", Long.class, "double", Double.class);
    private static final Map<Class<?>, String> BUILT_IN_IDS = Map.of(String.class, "string", Boolean.class, "boolean",
            Integer.class, "int", Long.class, "long", Double.class, "double");
    /** The type id of a null value. */
    static final String NULL = "null";

    private final JsonMapper mapper;
    private final TypeRegistry registry;
    private final CauseJson causes;

    ResultJson(JsonMapper mapper, TypeRegistry registry, CauseJson causes) {
        this.mapper = mapper;
        this.registry = registry;
        this.causes = causes;
    }

    String encode(CommandResult<?> result) {
        Objects.requireNonNull(result, "result");
        ObjectNode node = mapper.createObjectNode();
        try {
            switch (result) {
                case CommandResult.Success<?> success -> {
                    node.put("ok", true);
                    Object value = success.value();
                    if (value == null) {
                        node.put("type", NULL);
                    } else {
                        node.put("type", typeIdOf(value));
                        node.set("value", mapper.valueToTree(value));
                    }
                }
                case CommandResult.Failure<?> failure -> {
                    node.put("ok", false);
                    node.set("cause", mapper.readTree(causes.encode(failure.cause())));
                }
            }
            return mapper.writeValueAsString(node);
        } catch (JacksonException e) {
            throw new CodecException("cannot write command result " + result + ": " + e.getOriginalMessage(), e);
        }
    }

    private String typeIdOf(Object value) {
        String id = BUILT_IN_IDS.get(value.getClass());
        if (id == null) {
            id = registry.idOf(value.getClass());
        }
        if (id == null) {
            throw new CodecException("a command's result of class " + value.getClass().getName() + " has no type id;"
                    + " results are null, String, Boolean, Integer, Long, Double or a registered record:"
                    + " JsonCodec.builder().register(\"<type id>\", " + value.getClass().getSimpleName() + ".class)");
        }
        return id;
    }

    Decoded<CommandResult<@Nullable Object>> decode(String text) {
        Objects.requireNonNull(text, "text");
        try {
            JsonNode node = mapper.readTree(text);
            JsonNode ok = node.get("ok");
            if (ok == null || !ok.isBoolean()) {
                return new Decoded.Unreadable<>("result", "field ok is missing or not a boolean");
            }
            if (!ok.booleanValue()) {
                JsonNode cause = node.get("cause");
                if (cause == null || !cause.isObject()) {
                    return new Decoded.Unreadable<>("result", "field cause is missing or not an object");
                }
                return switch (causes.decode(mapper.writeValueAsString(cause))) {
                    case Decoded.Ok<FailureCause> read -> new Decoded.Ok<>(CommandResult.failure(read.value()));
                    case Decoded.UnknownType<FailureCause> unknown -> new Decoded.UnknownType<>(unknown.typeId());
                    case Decoded.Unreadable<FailureCause> bad -> new Decoded.Unreadable<>("result", "cause: " + bad.reason());
                };
            }
            JsonNode type = node.get("type");
            if (type == null || !type.isString()) {
                return new Decoded.Unreadable<>("result", "field type is missing or not a string");
            }
            String typeId = type.stringValue();
            if (NULL.equals(typeId)) {
                @SuppressWarnings("unchecked")
                CommandResult<@Nullable Object> done = (CommandResult<@Nullable Object>) (CommandResult<?>) CommandResult.done();
                return new Decoded.Ok<>(done);
            }
            Class<?> valueType = BUILT_IN.get(typeId);
            if (valueType == null) {
                valueType = registry.classOf(typeId);
            }
            if (valueType == null) {
                return new Decoded.UnknownType<>(typeId);
            }
            JsonNode value = node.get("value");
            if (value == null || value.isNull()) {
                return new Decoded.Unreadable<>(typeId, "field value is missing");
            }
            Object read = mapper.treeToValue(value, valueType);
            return new Decoded.Ok<>(CommandResult.success(read));
        } catch (JacksonException e) {
            return new Decoded.Unreadable<>("result", JacksonReasons.of(e, ""));
        } catch (RuntimeException e) { // a reader defect, not the input's; still reported, never thrown
            return new Decoded.Unreadable<>("result", "cannot read a command result: " + e);
        }
    }
}
