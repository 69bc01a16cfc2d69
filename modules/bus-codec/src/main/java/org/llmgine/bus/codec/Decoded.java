package org.llmgine.bus.codec;

import java.util.Objects;

/**
 * What decoding text gave: the value, or why there is none. A reader of stored rows keeps a row it
 * could not decode and reports it (see {@link UnknownType} and {@link Unreadable}); it never drops it.
 *
 * @param <T> the decoded type
 */
public sealed interface Decoded<T> permits Decoded.Ok, Decoded.UnknownType, Decoded.Unreadable {

    /**
     * Decoded.
     *
     * @param value the value
     * @param <T> its type
     */
    record Ok<T>(T value) implements Decoded<T> {
        /**
         * Validates the record.
         *
         * @param value the value
         */
        public Ok {
            Objects.requireNonNull(value, "value");
        }
    }

    /**
     * The type id is registered with no class in this codec (written by a newer version of the
     * application, or by one with more types).
     *
     * @param typeId the unknown id
     * @param <T> the type asked for
     */
    record UnknownType<T>(String typeId) implements Decoded<T> {
        /**
         * Validates the record.
         *
         * @param typeId the id
         */
        public UnknownType {
            Objects.requireNonNull(typeId, "typeId");
        }
    }

    /**
     * The type is known but the text does not read as one (malformed, missing or mistyped fields, a
     * value its constructor refuses).
     *
     * @param typeId the id, or the kind of value ({@code headers}, {@code cause}) for untyped text
     * @param reason what was wrong, naming the field where the reader could tell
     * @param <T> the type asked for
     */
    record Unreadable<T>(String typeId, String reason) implements Decoded<T> {
        /**
         * Validates the record.
         *
         * @param typeId the id
         * @param reason the reason
         */
        public Unreadable {
            Objects.requireNonNull(typeId, "typeId");
            Objects.requireNonNull(reason, "reason");
        }
    }

    /**
     * Returns the value, or throws if there is none.
     *
     * @return the value
     * @throws CodecException naming the type id and the reason if this is not {@link Ok}
     */
    default T orThrow() {
        return switch (this) {
            case Ok<T> ok -> ok.value();
            case UnknownType<T> unknown -> throw new CodecException("no class is registered for type id '"
                    + unknown.typeId() + "'");
            case Unreadable<T> unreadable -> throw new CodecException("cannot read a '" + unreadable.typeId()
                    + "': " + unreadable.reason());
        };
    }
}
