package org.llmgine.bus.resilience;

import java.util.Objects;
import org.llmgine.bus.message.FailureCause;

/**
 * What an event handler invocation throws when its pipeline ends in a failure, so the bus counts
 * the handler as failed once (one {@code HandlerFailed}, however many attempts were made). The
 * message is the failure's description; the cause is the handler's last exception, if it threw one.
 */
public final class ResilienceException extends Exception {

    private static final long serialVersionUID = 1L;

    /** The failure; not serialized (failure causes hold messages and exceptions). */
    private final transient FailureCause failure;

    /**
     * Creates the exception.
     *
     * @param failure the pipeline's failure
     */
    public ResilienceException(FailureCause failure) {
        super(Objects.requireNonNull(failure, "failure").describe(), thrown(failure));
        this.failure = failure;
    }

    /**
     * Returns the pipeline's failure.
     *
     * @return the failure
     */
    public FailureCause failure() {
        return failure;
    }

    private static Throwable thrown(FailureCause failure) {
        FailureCause cause = failure instanceof FailureCause.RetriesExhausted exhausted ? exhausted.last() : failure;
        return cause instanceof FailureCause.HandlerThrew threw ? threw.error() : null;
    }
}
