package org.llmgine.bus.codec;

import java.io.Serial;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;
import org.llmgine.bus.message.FailureCause;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The JSON form of a {@link FailureCause}: an object whose {@code cause} field names the variant
 * (the record's simple name, or {@code Other}) beside the variant's fields, for example
 * {@code {"cause":"TimedOut","timeout":"PT5S"}}. Durations and instants are ISO-8601 text,
 * {@link FailureCause.RetriesExhausted#last()} is a nested cause, a thrown error is an object of its
 * class name, message, frames and {@code causedBy} chain (at most {@value #MAX_CAUSED_BY} deep), and
 * an {@link FailureCause.Other} is {@code {"cause":"Other","type":"<type id>","value":{...}}}.
 *
 * <p>Reading builds the tree first and then walks it with the path of every field, so a reason
 * names the field ({@code last.error.frames[3].lineNumber}). Nothing is loaded by class name: a
 * command type is resolved among the registered classes only. Thread-safe and immutable.
 */
final class CauseJson {

    /** How many causes below a thrown error are written; deeper ones are cut off. */
    static final int MAX_CAUSED_BY = 8;

    private static final String KIND = "cause";
    private static final String KINDS = "NoHandler, HandlerThrew, Rejected, TimedOut, Cancelled, ApprovalDenied, "
            + "ApprovalExpired, Unavailable, CircuitOpen, BulkheadFull, RateLimited, RetriesExhausted, Other";

    private final JsonMapper mapper;
    private final TypeRegistry registry;

    CauseJson(JsonMapper mapper, TypeRegistry registry) {
        this.mapper = Objects.requireNonNull(mapper, "mapper");
        this.registry = Objects.requireNonNull(registry, "registry");
    }

    /** Writes a cause; throws {@link CodecException} for an unregistered {@code Other}. */
    String encode(FailureCause cause) {
        Objects.requireNonNull(cause, "cause");
        ObjectNode tree = write(cause);
        try {
            return mapper.writeValueAsString(tree);
        } catch (JacksonException e) {
            throw new CodecException("cannot write failure cause " + cause + ": " + e.getOriginalMessage(), e);
        }
    }

    /** Reads a cause; never throws for bad text. */
    Decoded<FailureCause> decode(String text) {
        Objects.requireNonNull(text, "text");
        try {
            return new Decoded.Ok<>(read(mapper.readTree(text), ""));
        } catch (JacksonException e) {
            return new Decoded.Unreadable<>(KIND, JacksonReasons.of(e, ""));
        } catch (BadField e) {
            return new Decoded.Unreadable<>(KIND, e.getMessage());
        } catch (UnknownOther e) {
            return new Decoded.UnknownType<>(e.getMessage());
        } catch (RuntimeException e) { // a reader defect, not the input's; still reported, never thrown
            return new Decoded.Unreadable<>(KIND, "cannot read a failure cause: " + e);
        }
    }

    private ObjectNode write(FailureCause cause) {
        return switch (cause) {
            case FailureCause.NoHandler c -> {
                ObjectNode node = start("NoHandler");
                String id = registry.idOf(c.commandType());
                if (id != null) {
                    node.put("commandType", id);
                } else {
                    node.put("commandClass", c.commandType().getName());
                }
                yield c.sessionId() == null ? node : node.put("sessionId", c.sessionId());
            }
            case FailureCause.HandlerThrew c -> start("HandlerThrew").set("error", writeError(c.error(), 0));
            case FailureCause.Rejected c -> start("Rejected").put("reason", c.reason());
            case FailureCause.TimedOut c -> start("TimedOut").put("timeout", c.timeout().toString());
            case FailureCause.Cancelled c -> start("Cancelled").put("reason", c.reason());
            case FailureCause.ApprovalDenied c -> start("ApprovalDenied").put("reason", c.reason());
            case FailureCause.ApprovalExpired c -> start("ApprovalExpired").put("expiredAt", c.expiredAt().toString());
            case FailureCause.Unavailable c -> start("Unavailable").put("scope", c.scope()).put("state", c.state());
            case FailureCause.CircuitOpen c -> start("CircuitOpen").put("breaker", c.breaker())
                    .put("retryAt", c.retryAt().toString());
            case FailureCause.BulkheadFull c -> start("BulkheadFull").put("bulkhead", c.bulkhead())
                    .put("maxConcurrent", c.maxConcurrent());
            case FailureCause.RateLimited c -> start("RateLimited").put("limiter", c.limiter())
                    .put("retryAfter", c.retryAfter().toString());
            case FailureCause.RetriesExhausted c -> start("RetriesExhausted").put("attempts", c.attempts())
                    .set("last", write(c.last()));
            case FailureCause.Other c -> writeOther(c);
        };
    }

    private ObjectNode start(String kind) {
        return mapper.createObjectNode().put(KIND, kind);
    }

    private ObjectNode writeOther(FailureCause.Other other) {
        String id = registry.idOf(other.getClass());
        if (id == null) {
            throw new CodecException("failure cause " + other.getClass().getName() + " has no type id; register it: "
                    + "JsonCodec.builder().register(\"<type id>\", " + other.getClass().getSimpleName() + ".class)");
        }
        try {
            return start("Other").put("type", id).set("value", mapper.valueToTree(other));
        } catch (JacksonException e) {
            throw new CodecException("cannot write failure cause '" + id + "' (" + other.getClass().getName() + "): "
                    + e.getOriginalMessage(), e);
        }
    }

    private ObjectNode writeError(Throwable error, int depth) {
        String className = error instanceof RestoredThrowable restored
                ? restored.originalClassName() : error.getClass().getName();
        ObjectNode node = mapper.createObjectNode().put("class", className);
        if (error.getMessage() != null) {
            node.put("message", error.getMessage());
        }
        ArrayNode frames = node.putArray("frames");
        for (StackTraceElement frame : error.getStackTrace()) {
            ObjectNode f = frames.addObject().put("declaringClass", frame.getClassName())
                    .put("methodName", frame.getMethodName());
            putIfPresent(f, "fileName", frame.getFileName());
            f.put("lineNumber", frame.getLineNumber());
            putIfPresent(f, "moduleName", frame.getModuleName());
            putIfPresent(f, "moduleVersion", frame.getModuleVersion());
            putIfPresent(f, "classLoaderName", frame.getClassLoaderName());
        }
        Throwable cause = error.getCause();
        if (cause != null && cause != error && depth < MAX_CAUSED_BY) {
            node.set("causedBy", writeError(cause, depth + 1));
        }
        return node;
    }

    private static void putIfPresent(ObjectNode node, String field, @Nullable String value) {
        if (value != null) {
            node.put(field, value);
        }
    }

    private FailureCause read(JsonNode node, String path) {
        requireObject(node, path);
        String kind = string(node, path, KIND);
        try {
            return switch (kind) {
                case "NoHandler" -> new FailureCause.NoHandler(commandType(node, path),
                        optionalString(node, path, "sessionId"));
                case "HandlerThrew" -> new FailureCause.HandlerThrew(
                        readError(required(node, path, "error"), JacksonReasons.at(path, "error")));
                case "Rejected" -> new FailureCause.Rejected(string(node, path, "reason"));
                case "TimedOut" -> new FailureCause.TimedOut(duration(node, path, "timeout"));
                case "Cancelled" -> new FailureCause.Cancelled(string(node, path, "reason"));
                case "ApprovalDenied" -> new FailureCause.ApprovalDenied(string(node, path, "reason"));
                case "ApprovalExpired" -> new FailureCause.ApprovalExpired(instant(node, path, "expiredAt"));
                case "Unavailable" -> new FailureCause.Unavailable(string(node, path, "scope"),
                        string(node, path, "state"));
                case "CircuitOpen" -> new FailureCause.CircuitOpen(string(node, path, "breaker"),
                        instant(node, path, "retryAt"));
                case "BulkheadFull" -> new FailureCause.BulkheadFull(string(node, path, "bulkhead"),
                        integer(node, path, "maxConcurrent"));
                case "RateLimited" -> new FailureCause.RateLimited(string(node, path, "limiter"),
                        duration(node, path, "retryAfter"));
                case "RetriesExhausted" -> new FailureCause.RetriesExhausted(integer(node, path, "attempts"),
                        read(required(node, path, "last"), JacksonReasons.at(path, "last")));
                case "Other" -> readOther(node, path);
                default -> throw new BadField("field '" + JacksonReasons.at(path, KIND) + "' is '" + kind
                        + "', which is no failure cause; expected one of " + KINDS);
            };
        } catch (IllegalArgumentException e) { // a record's compact constructor refused a value
            throw new BadField((path.isEmpty() ? "" : "at '" + path + "': ") + kind + " refused its fields: "
                    + e.getMessage());
        }
    }

    private Class<?> commandType(JsonNode node, String path) {
        JsonNode byId = node.get("commandType");
        if (byId != null || node.get("commandClass") == null) {
            String id = string(node, path, "commandType");
            Class<?> type = registry.classOf(id);
            if (type == null) {
                throw new BadField("field '" + JacksonReasons.at(path, "commandType") + "' is '" + id
                        + "', which is no registered type id");
            }
            return type;
        }
        String className = string(node, path, "commandClass");
        Class<?> type = registry.registeredClassNamed(className);
        if (type == null) {
            throw new BadField("field '" + JacksonReasons.at(path, "commandClass") + "' names class " + className
                    + ", which is not registered with this codec (classes are never loaded by name)");
        }
        return type;
    }

    private FailureCause readOther(JsonNode node, String path) {
        String id = string(node, path, "type");
        Class<?> type = registry.classOf(id);
        if (type == null) {
            throw new UnknownOther(id);
        }
        if (!FailureCause.Other.class.isAssignableFrom(type)) {
            throw new BadField("field '" + JacksonReasons.at(path, "type") + "' is '" + id + "', which names "
                    + type.getName() + ", not a FailureCause.Other");
        }
        String valuePath = JacksonReasons.at(path, "value");
        JsonNode value = required(node, path, "value");
        requireObject(value, valuePath);
        try {
            return (FailureCause) mapper.treeToValue(value, type);
        } catch (JacksonException e) {
            throw new BadField(JacksonReasons.of(e, valuePath));
        }
    }

    private RestoredThrowable readError(JsonNode node, String path) {
        requireObject(node, path);
        String className = string(node, path, "class");
        String message = optionalString(node, path, "message");
        String framesPath = JacksonReasons.at(path, "frames");
        JsonNode frames = required(node, path, "frames");
        if (!frames.isArray()) {
            throw new BadField("field '" + framesPath + "' must be an array, but was " + JacksonReasons.describe(frames));
        }
        var trace = new StackTraceElement[frames.size()];
        for (int i = 0; i < trace.length; i++) {
            JsonNode frame = frames.get(i);
            String at = framesPath + "[" + i + "]";
            requireObject(frame, at);
            trace[i] = new StackTraceElement(optionalString(frame, at, "classLoaderName"),
                    optionalString(frame, at, "moduleName"), optionalString(frame, at, "moduleVersion"),
                    string(frame, at, "declaringClass"), string(frame, at, "methodName"),
                    optionalString(frame, at, "fileName"), integer(frame, at, "lineNumber"));
        }
        JsonNode causedBy = node.get("causedBy");
        RestoredThrowable cause = causedBy == null || causedBy.isNull()
                ? null : readError(causedBy, JacksonReasons.at(path, "causedBy"));
        return new RestoredThrowable(className, message, trace, cause);
    }

    private static void requireObject(JsonNode node, String path) {
        if (!node.isObject()) {
            throw new BadField((path.isEmpty() ? "a failure cause" : "field '" + path + "'")
                    + " must be a JSON object, but was " + JacksonReasons.describe(node));
        }
    }

    private static JsonNode required(JsonNode node, String path, String field) {
        JsonNode value = node.get(field);
        if (value == null || value.isNull()) {
            throw new BadField("field '" + JacksonReasons.at(path, field) + "' is missing");
        }
        return value;
    }

    private static String string(JsonNode node, String path, String field) {
        JsonNode value = required(node, path, field);
        if (!value.isString()) {
            throw new BadField("field '" + JacksonReasons.at(path, field) + "' must be a string, but was "
                    + JacksonReasons.describe(value));
        }
        return value.stringValue();
    }

    private static @Nullable String optionalString(JsonNode node, String path, String field) {
        JsonNode value = node.get(field);
        return value == null || value.isNull() ? null : string(node, path, field);
    }

    private static int integer(JsonNode node, String path, String field) {
        JsonNode value = required(node, path, field);
        if (!value.isInt()) {
            throw new BadField("field '" + JacksonReasons.at(path, field) + "' must be a 32-bit integer, but was "
                    + JacksonReasons.describe(value));
        }
        return value.intValue();
    }

    private static Duration duration(JsonNode node, String path, String field) {
        return parsed(node, path, field, Duration::parse, "an ISO-8601 duration such as PT5S");
    }

    private static Instant instant(JsonNode node, String path, String field) {
        return parsed(node, path, field, Instant::parse, "an ISO-8601 instant such as 2026-01-31T12:00:00Z");
    }

    private static <T> T parsed(JsonNode node, String path, String field, Function<String, T> parser, String expected) {
        String text = string(node, path, field);
        try {
            return parser.apply(text);
        } catch (DateTimeException e) {
            throw new BadField("field '" + JacksonReasons.at(path, field) + "' must be " + expected + ", but was '"
                    + text + "'");
        }
    }

    /** A field is missing, mistyped or refused; the message is the reason. */
    private static final class BadField extends RuntimeException {
        @Serial
        private static final long serialVersionUID = 1L;

        BadField(String reason) {
            super(reason, null, false, false);
        }
    }

    /** An {@code Other} cause names a type id with no class here; the message is the id. */
    private static final class UnknownOther extends RuntimeException {
        @Serial
        private static final long serialVersionUID = 1L;

        UnknownOther(String typeId) {
            super(typeId, null, false, false);
        }
    }
}
