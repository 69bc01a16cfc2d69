package org.llmgine.bus.message;

import java.util.Objects;
import java.util.UUID;

/**
 * The identity of a message, unique across buses, processes and restarts: the
 * {@linkplain #origin() origin} (the id of the bus instance that created the message, a
 * time-ordered UUID version 7 made when that bus was built), the {@linkplain #kind() kind} and a
 * {@linkplain #sequence() sequence number} that the bus counts up per kind from 1.
 *
 * <p>Ids of one bus increase in the order the bus accepted the messages (events are numbered under
 * their lane's lock, so within a session they follow the session's order); ids of a bus built in a
 * later millisecond (on its clock) sort after those of a bus built earlier; two buses built in the
 * same millisecond are ordered by the origins' random bits. A message keeps its
 * id wherever it travels: in the handler's context, in observer callbacks, in stores and across a
 * bridge. The text form ({@link #toString()}, read back by {@link #parse(String)}) is
 * {@code <origin>/<e|c|s|d><sequence>}, for example
 * {@code 0193a1c2-7d4e-7b2a-9f10-4c8e2d1a5b67/e42}.
 *
 * @param origin the id of the bus instance that created the message
 * @param kind what was identified
 * @param sequence the bus's number of it, at least 1
 */
public record MessageId(UUID origin, Kind kind, long sequence) implements Comparable<MessageId> {

    /** What a message id identifies. */
    public enum Kind {
        /** A published event, numbered at acceptance. */
        EVENT('e'),
        /** A command execution, numbered when it starts. */
        COMMAND('c'),
        /** A scheduled event's entry, numbered when it is scheduled (the event gets its own id when it fires). */
        SCHEDULED('s'),
        /** A dead letter queue's entry, numbered by its queue (the message keeps its own id). */
        DEAD_LETTER('d');

        private final char letter;

        Kind(char letter) {
            this.letter = letter;
        }

        static Kind ofLetter(char letter, String text) {
            for (Kind kind : values()) {
                if (kind.letter == letter) {
                    return kind;
                }
            }
            throw new IllegalArgumentException("message id '" + text + "' has kind '" + letter
                    + "'; expected e (event), c (command), s (scheduled) or d (dead letter)");
        }
    }

    /**
     * Validates the id.
     *
     * @param origin the bus instance id
     * @param kind the kind
     * @param sequence at least 1
     * @throws IllegalArgumentException if {@code sequence} is less than 1
     */
    public MessageId {
        Objects.requireNonNull(origin, "origin");
        Objects.requireNonNull(kind, "kind");
        if (sequence < 1) {
            throw new IllegalArgumentException("message id sequence must be at least 1, but was " + sequence);
        }
    }

    /**
     * Reads the text form written by {@link #toString()}.
     *
     * @param text for example {@code 0193a1c2-7d4e-7b2a-9f10-4c8e2d1a5b67/e42}
     * @return the id
     * @throws IllegalArgumentException if {@code text} is not a message id, naming what is wrong
     */
    public static MessageId parse(String text) {
        Objects.requireNonNull(text, "text");
        int slash = text.indexOf('/');
        if (slash <= 0 || slash >= text.length() - 2) {
            throw new IllegalArgumentException("message id '" + text + "' is not of the form <uuid>/<e|c|s|d><number>");
        }
        UUID origin;
        try {
            origin = UUID.fromString(text.substring(0, slash));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("message id '" + text + "' has no UUID before '/': " + e.getMessage(), e);
        }
        Kind kind = Kind.ofLetter(text.charAt(slash + 1), text);
        long sequence;
        try {
            sequence = Long.parseLong(text.substring(slash + 2));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("message id '" + text + "' has no sequence number after its kind", e);
        }
        return new MessageId(origin, kind, sequence);
    }

    /**
     * Makes a new time-ordered origin (UUID version 7): the given Unix time in milliseconds in the top
     * 48 bits, then random bits.
     *
     * @param epochMillis the creation time, for example the bus clock's millis
     * @return a new origin
     */
    public static UUID newOrigin(long epochMillis) {
        UUID random = UUID.randomUUID(); // 122 random bits from a SecureRandom, variant 2
        long high = (epochMillis << 16) | 0x7000L | (random.getMostSignificantBits() & 0x0FFFL);
        return new UUID(high, random.getLeastSignificantBits());
    }

    /**
     * Orders ids by origin (unsigned, so version-7 origins sort by their time), then kind, then
     * sequence.
     *
     * @param other the other id
     * @return the comparison
     */
    @Override
    public int compareTo(MessageId other) {
        int c = Long.compareUnsigned(origin.getMostSignificantBits(), other.origin.getMostSignificantBits());
        if (c == 0) {
            c = Long.compareUnsigned(origin.getLeastSignificantBits(), other.origin.getLeastSignificantBits());
        }
        if (c == 0) {
            c = kind.compareTo(other.kind);
        }
        return c != 0 ? c : Long.compare(sequence, other.sequence);
    }

    /**
     * Returns the text form, {@code <origin>/<e|c|s|d><sequence>}.
     *
     * @return the text form
     */
    @Override
    public String toString() {
        return origin + "/" + kind.letter + sequence;
    }
}
