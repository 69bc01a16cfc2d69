package org.llmgine.bus.store.jdbc;

import org.jspecify.annotations.Nullable;
import org.llmgine.bus.codec.Decoded;

/** What is wrong with a decoded column, as an unreadable row's reason. */
final class Problems {

    private Problems() {
    }

    /** The problem of {@code decoded}, or null if it decoded. */
    static @Nullable String of(String column, Decoded<?> decoded) {
        return switch (decoded) {
            case Decoded.Ok<?> ok -> null;
            case Decoded.UnknownType<?> unknown -> "the " + column + "'s type id '" + unknown.typeId()
                    + "' has no class in the codec";
            case Decoded.Unreadable<?> unreadable -> "the " + column + " does not read: " + unreadable.reason();
        };
    }

    /** The first problem of the columns, or null if all decoded. */
    static @Nullable String first(String[] columns, Decoded<?>... decoded) {
        for (int i = 0; i < decoded.length; i++) {
            String problem = of(columns[i], decoded[i]);
            if (problem != null) {
                return problem;
            }
        }
        return null;
    }
}
