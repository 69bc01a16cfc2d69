package org.llmgine.bus.codec;

import java.util.Locale;
import java.util.regex.Pattern;
import tools.jackson.core.JacksonException;
import tools.jackson.core.TokenStreamLocation;
import tools.jackson.core.exc.InputCoercionException;
import tools.jackson.core.exc.StreamReadException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.exc.ValueInstantiationException;

/**
 * Turns what Jackson threw while reading into the reason of a {@link Decoded.Unreadable}: the field
 * from the exception's path ({@code items[2].name}), then what was wrong with it, without the
 * payload and without Jackson's reference chain of class names.
 */
final class JacksonReasons {

    private static final int MAX_SHOWN = 60;

    /** Jackson's advice to change a setting of the mapper, which is the codec's and fixed. */
    private static final Pattern HINT = Pattern.compile(
            " \\((?:but (?:could|might) if coercion|set `DeserializationFeature)[^)]*\\)");

    private JacksonReasons() {
    }

    /**
     * Describes a read failure.
     *
     * @param e what Jackson threw
     * @param prefix the path of the value Jackson read within a larger document ({@code value}), or
     *     empty
     * @return for example {@code field 'count': Cannot deserialize value of type `int` from String "x"}
     */
    static String of(JacksonException e, String prefix) {
        String field = path(e, prefix);
        String original = HINT.matcher(String.valueOf(e.getOriginalMessage())).replaceAll("");
        String what;
        if (e instanceof ValueInstantiationException && e.getCause() != null
                && !(e.getCause() instanceof JacksonException)) {
            what = "its constructor refused the values: " + e.getCause();
        } else if (e instanceof StreamReadException && !(e instanceof InputCoercionException)) {
            what = "not valid JSON" + location(e.getLocation()) + ": " + original;
        } else if (original.startsWith("Missing creator property") && !field.isEmpty()) {
            return "field '" + field + "' is missing"; // Jackson's text names its own setting, not the input
        } else {
            what = original;
        }
        return field.isEmpty() ? what : "field '" + field + "': " + what;
    }

    /**
     * Appends a field name to a path.
     *
     * @param path the path so far, or empty
     * @param name the field
     * @return {@code path.name}, or {@code name} for an empty path
     */
    static String at(String path, String name) {
        return path.isEmpty() ? name : path + "." + name;
    }

    /**
     * Describes a JSON value for a reason: its kind and a short form of its text.
     *
     * @param node the value
     * @return for example {@code number 42} or {@code string "abc"}
     */
    static String describe(JsonNode node) {
        if (node.isMissingNode()) {
            return "no value (empty text)";
        }
        if (node.isNull()) {
            return "null";
        }
        String text = node.toString();
        if (text.length() > MAX_SHOWN) {
            text = text.substring(0, MAX_SHOWN) + "...";
        }
        return node.getNodeType().name().toLowerCase(Locale.ROOT) + " " + text;
    }

    private static String path(JacksonException e, String prefix) {
        var path = new StringBuilder(prefix);
        for (JacksonException.Reference reference : e.getPath()) {
            String name = reference.getPropertyName();
            if (name != null) {
                if (!path.isEmpty()) {
                    path.append('.');
                }
                path.append(name);
            } else if (reference.getIndex() >= 0) {
                path.append('[').append(reference.getIndex()).append(']');
            }
        }
        return path.toString();
    }

    private static String location(TokenStreamLocation location) {
        if (location == null || location.getLineNr() < 0) {
            return "";
        }
        return " at line " + location.getLineNr() + ", column " + location.getColumnNr();
    }
}
