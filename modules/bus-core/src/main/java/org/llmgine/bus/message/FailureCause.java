package org.llmgine.bus.message;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * Why a command failed. The set is sealed so callers can handle every case in a {@code switch};
 * it already holds the causes the resilience decorators produce ({@link CircuitOpen},
 * {@link BulkheadFull}, {@link RateLimited}, {@link RetriesExhausted}, {@link TimedOut}), so adding
 * those modules never breaks an exhaustive switch. A module or an application with a cause of its
 * own implements {@link Other}, the one open branch: a switch handles all of them with one
 * {@code case FailureCause.Other other}.
 *
 * <pre>{@code
 * String message = switch (cause) {
 *     case FailureCause.CircuitOpen open -> "provider down, retry at " + open.retryAt();
 *     case FailureCause.TimedOut timedOut -> "took longer than " + timedOut.timeout();
 *     case FailureCause.Cancelled cancelled -> "stopped";
 *     default -> cause.describe();
 * };
 * }</pre>
 */
public sealed interface FailureCause
        permits FailureCause.NoHandler, FailureCause.HandlerThrew, FailureCause.Rejected,
                FailureCause.TimedOut, FailureCause.Cancelled, FailureCause.ApprovalDenied,
                FailureCause.ApprovalExpired, FailureCause.Unavailable, FailureCause.CircuitOpen,
                FailureCause.BulkheadFull, FailureCause.RateLimited, FailureCause.RetriesExhausted,
                FailureCause.Other {

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
     * The command was refused before its handler ran: a command middleware returned this failure
     * (for example a validation or a policy check), or the bus could not start a thread for it.
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
     * The handler did not finish within the deadline the caller gave (or a timeout decorator's); it
     * was interrupted. A zero timeout fails this way at once, without running the handler.
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
     * The execution was cancelled before it completed: through its {@code CommandHandle} or
     * {@code MessageBus.cancelCommand}, by an interrupt of the waiting caller, by its session's close
     * while it awaited approval, or by the bus's close while the handler ran.
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
    record ApprovalExpired(Instant expiredAt) implements FailureCause {

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

    /**
     * The scope the command was executed in does not run commands now: the bus was not started yet,
     * or the bus or the session is closing or closed.
     *
     * @param scope the scope, for example {@code bus 'chat'} or {@code session 'c-42' of bus 'chat'}
     * @param state its state, for example {@code NEW}, {@code CLOSING} or {@code CLOSED}
     */
    record Unavailable(String scope, String state) implements FailureCause {

        /**
         * Creates the cause.
         *
         * @param scope the scope
         * @param state its state
         */
        public Unavailable {
            Objects.requireNonNull(scope, "scope");
            Objects.requireNonNull(state, "state");
        }

        @Override
        public String describe() {
            return scope + " does not run commands while " + state;
        }
    }

    /**
     * A circuit breaker is open: the handler was not called.
     *
     * @param breaker the breaker's name
     * @param retryAt when the breaker lets a probe through again, on the bus's clock
     */
    record CircuitOpen(String breaker, Instant retryAt) implements FailureCause {

        /**
         * Creates the cause.
         *
         * @param breaker the breaker's name
         * @param retryAt when it admits a probe
         */
        public CircuitOpen {
            Objects.requireNonNull(breaker, "breaker");
            Objects.requireNonNull(retryAt, "retryAt");
        }

        @Override
        public String describe() {
            return "circuit breaker '" + breaker + "' is open until " + retryAt;
        }
    }

    /**
     * A bulkhead had no free permit within its wait: the handler was not called.
     *
     * @param bulkhead the bulkhead's name
     * @param maxConcurrent how many calls it admits at once
     */
    record BulkheadFull(String bulkhead, int maxConcurrent) implements FailureCause {

        /**
         * Creates the cause.
         *
         * @param bulkhead the bulkhead's name
         * @param maxConcurrent its limit
         */
        public BulkheadFull {
            Objects.requireNonNull(bulkhead, "bulkhead");
        }

        @Override
        public String describe() {
            return "bulkhead '" + bulkhead + "' is full (" + maxConcurrent + " concurrent calls)";
        }
    }

    /**
     * A rate limiter refused the call: the handler was not called.
     *
     * @param limiter the limiter's name
     * @param retryAfter how long until a permit is expected
     */
    record RateLimited(String limiter, Duration retryAfter) implements FailureCause {

        /**
         * Creates the cause.
         *
         * @param limiter the limiter's name
         * @param retryAfter the expected wait
         */
        public RateLimited {
            Objects.requireNonNull(limiter, "limiter");
            Objects.requireNonNull(retryAfter, "retryAfter");
        }

        @Override
        public String describe() {
            return "rate limiter '" + limiter + "' refused the call; retry after " + retryAfter;
        }
    }

    /**
     * A retry decorator gave up: every attempt failed, or its total time ran out.
     *
     * @param attempts how many attempts were made
     * @param last the cause of the last attempt's failure
     */
    record RetriesExhausted(int attempts, FailureCause last) implements FailureCause {

        /**
         * Creates the cause.
         *
         * @param attempts the attempts made, at least 1
         * @param last the last failure
         * @throws IllegalArgumentException if {@code attempts} is less than 1
         */
        public RetriesExhausted {
            Objects.requireNonNull(last, "last");
            if (attempts < 1) {
                throw new IllegalArgumentException("attempts must be at least 1, but was " + attempts);
            }
        }

        @Override
        public String describe() {
            return "gave up after " + attempts + " attempts; last: " + last.describe();
        }
    }

    /**
     * The open branch: a cause defined by a module or an application. Implement it with a record.
     */
    non-sealed interface Other extends FailureCause {
    }
}
