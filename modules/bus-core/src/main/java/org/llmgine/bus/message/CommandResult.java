package org.llmgine.bus.message;

import java.util.Objects;

/**
 * The outcome of executing a command: a {@link Success} with the handler's value or a
 * {@link Failure} with a {@link FailureCause}. Consume it with an exhaustive {@code switch}.
 *
 * <p>The bus never returns null for a command and never reports a failure as a success. A
 * success carries a non-null value, except for a command declared {@code Command<Void>}, whose
 * handler returns null and whose success is {@link #done()}.
 *
 * @param <R> the command's result type
 */
public sealed interface CommandResult<R> permits CommandResult.Success, CommandResult.Failure {

    /**
     * Creates a successful result.
     *
     * @param value the handler's value, never null
     * @param <R> the result type
     * @return a success carrying {@code value}
     */
    static <R> CommandResult<R> success(R value) {
        return new Success<>(value);
    }

    /**
     * Returns the success of a command without a value, declared {@code Command<Void>}: its value
     * is null.
     *
     * @return the success of a {@code Command<Void>}
     */
    static CommandResult<Void> done() {
        return Success.DONE;
    }

    /**
     * Creates a failed result.
     *
     * @param cause why the command failed
     * @param <R> the result type
     * @return a failure carrying {@code cause}
     */
    static <R> CommandResult<R> failure(FailureCause cause) {
        return new Failure<>(cause);
    }

    /**
     * Tells whether this is a {@link Success}.
     *
     * @return true for a success, false for a failure
     */
    boolean isSuccess();

    /**
     * Returns the value of a success, or throws the failure as an exception.
     *
     * @return the value of a success
     * @throws CommandFailedException if this is a failure; its cause is the handler's exception
     *     when the handler threw
     */
    R orThrow();

    /**
     * A successful execution.
     *
     * @param value the value the handler returned: never null, except for a {@code Command<Void>}
     *     (see {@link CommandResult#done()})
     * @param <R> the result type
     */
    record Success<R>(R value) implements CommandResult<R> {

        /** The success of every {@code Command<Void>}: made through the marker, which the constructor turns into null. */
        @SuppressWarnings("unchecked")
        private static final Success<Void> DONE = (Success<Void>) (Success<?>) new Success<>(Marker.VOID);

        /**
         * Creates a success.
         *
         * @param value the handler's value
         * @throws NullPointerException if {@code value} is null (use {@link CommandResult#done()}
         *     for a {@code Command<Void>})
         */
        public Success {
            Objects.requireNonNull(value, "value (use CommandResult.done() for a Command<Void>)");
            if ((Object) value == Marker.VOID) {
                value = null;
            }
        }

        /** What {@link #DONE} is made with. */
        private enum Marker { VOID }

        @Override
        public boolean isSuccess() {
            return true;
        }

        @Override
        public R orThrow() {
            return value;
        }
    }

    /**
     * A failed execution.
     *
     * @param cause why it failed
     * @param <R> the result type the command would have produced
     */
    record Failure<R>(FailureCause cause) implements CommandResult<R> {

        /**
         * Creates a failure.
         *
         * @param cause why the command failed
         * @throws NullPointerException if {@code cause} is null
         */
        public Failure {
            Objects.requireNonNull(cause, "cause");
        }

        @Override
        public boolean isSuccess() {
            return false;
        }

        @Override
        public R orThrow() {
            throw new CommandFailedException(cause);
        }
    }
}
