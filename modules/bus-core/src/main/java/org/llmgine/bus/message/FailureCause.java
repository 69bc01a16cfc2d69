package org.llmgine.bus.message;

import java.time.Duration;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * Why a command failed. The set is closed so callers can handle every case in a {@code switch}.
 */
public sealed interface FailureCause
        permits FailureCause.NoHandler, FailureCause.HandlerThrew, FailureCause.Rejected,
                FailureCause.TimedOut, FailureCause.Cancelled, FailureCause.ApprovalDenied,
                FailureCause.ApprovalExpired {

    /**
     * A one-line, human-readable description of the failure that names the command type and the
     * observed value.
     *
     * @return the description
     */
    String describe();

    /**
     * No handler is registered for the command's class, neither in its session nor in the bus
     * scope.
     *
     * @param commandType the command's class
     * @param sessionId the session the command was executed in, or null for the bus scope
     */
    record NoHandler(Class<?> commandType, @Nullable String sessionId) implements FailureCause {

        /**
         * Creates the cause.
         *
         * @param commandType the command's class
         * @param sessionId the session, or null for the bus scope
         */
        public NoHandler {
            Objects.requireNonNull(commandType, "commandType");
        }

        @Override
        public String describe() {
            return "no handler registered for command " + commandType.getName()
                    + (sessionId == null ? " in the bus scope" : " in session '" + sessionId + "' or the bus scope");
        }
    }

    /**
     * The handler (or a middleware around it) threw, or returned null.
     *
     * @param error what was thrown
     */
    record HandlerThrew(Throwable error) implements FailureCause {

        /**
         * Creates the cause.
         *
         * @param error what the handler threw
         */
        public HandlerThrew {
            Objects.requireNonNull(error, "error");
        }

        @Override
        public String describe() {
            return "handler threw " + error;
        }
    }

    /**
     * The bus refused to run the command, for example because a middleware rejected it.
     *
     * @param reason why, naming the rejected value
     */
    record Rejected(String reason) implements FailureCause {

        /**
         * Creates the cause.
         *
         * @param reason why the command was rejected
         */
        public Rejected {
            Objects.requireNonNull(reason, "reason");
        }

        @Override
        public String describe() {
            return "rejected: " + reason;
        }
    }

    /**
     * The handler did not finish within the deadline the caller gave; it was interrupted.
     *
     * @param timeout the deadline that elapsed
     */
    record TimedOut(Duration timeout) implements FailureCause {

        /**
         * Creates the cause.
         *
         * @param timeout the elapsed deadline
         */
        public TimedOut {
            Objects.requireNonNull(timeout, "timeout");
        }

        @Override
        public String describe() {
            return "timed out after " + timeout;
        }
    }

    /**
     * The execution was cancelled before it completed: the caller was interrupted or the bus was
     * closed while the handler ran.
     *
     * @param reason what cancelled it
     */
    record Cancelled(String reason) implements FailureCause {

        /**
         * Creates the cause.
         *
         * @param reason what cancelled the execution
         */
        public Cancelled {
            Objects.requireNonNull(reason, "reason");
        }

        @Override
        public String describe() {
            return "cancelled: " + reason;
        }
    }

    /**
     * An {@link ApprovalCommand} was denied; its handler did not run.
     *
     * @param reason the reason the decider gave
     */
    record ApprovalDenied(String reason) implements FailureCause {

        /**
         * Creates the cause.
         *
         * @param reason the reason
         */
        public ApprovalDenied {
            Objects.requireNonNull(reason, "reason");
        }

        @Override
        public String describe() {
            return "approval denied: " + reason;
        }
    }

    /**
     * Nobody decided on an {@link ApprovalCommand} before its request expired; its handler did not
     * run.
     *
     * @param expiredAt when the request expired, on the bus's clock
     */
    record ApprovalExpired(java.time.Instant expiredAt) implements FailureCause {

        /**
         * Creates the cause.
         *
         * @param expiredAt the expiry
         */
        public ApprovalExpired {
            Objects.requireNonNull(expiredAt, "expiredAt");
        }

        @Override
        public String describe() {
            return "approval expired at " + expiredAt;
        }
    }
}
