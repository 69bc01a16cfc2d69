package org.llmgine.bus.resilience;

import java.time.Duration;
import java.time.InstantSource;
import java.util.Objects;
import org.jspecify.annotations.Nullable;
import org.llmgine.bus.handler.HandlerInfo;
import org.llmgine.bus.handler.MessageContext;
import org.llmgine.bus.message.CommandResult;
import org.llmgine.bus.message.FailureCause;
import org.llmgine.bus.message.Message;

/**
 * The timeout strategy of a {@link Pipeline}: a call that runs longer than the duration is
 * interrupted, the way the bus cancels a handler, and fails with {@link FailureCause.TimedOut}.
 * Inside a retry it bounds each attempt (an attempt timeout); outside it bounds the attempts and
 * the waits between them together (a total timeout).
 *
 * <p>The interrupt reaches a handler blocked in I/O, a lock, a sleep or a nested execute; a handler
 * that computes without blocking finishes first, and its result is replaced by the timeout since
 * it came too late. If the command was cancelled at the same time, the cancellation wins. Time is
 * measured on this timeout's clock (give it the bus's); see {@link Watchdog} for the mechanism.
 * Thread-safe.
 */
public final class Timeout implements Decorator {

    private final Duration duration;
    private final Watchdog watchdog;
    private final FailureCause.TimedOut timedOut;

    private Timeout(Duration duration, InstantSource clock) {
        this.duration = duration;
        this.watchdog = new Watchdog(clock, Durations.millis(duration), "llmgine-timeout-" + duration);
        this.timedOut = new FailureCause.TimedOut(duration);
    }

    /**
     * Bounds calls to {@code duration}, on the system clock.
     *
     * @param duration at least a millisecond
     * @return the timeout
     */
    public static Timeout of(Duration duration) {
        return of(duration, InstantSource.system());
    }

    /**
     * Bounds calls to {@code duration}, on {@code clock}.
     *
     * @param duration at least a millisecond
     * @param clock the clock: give it the bus's
     * @return the timeout
     */
    public static Timeout of(Duration duration, InstantSource clock) {
        Objects.requireNonNull(duration, "duration");
        if (Durations.millis(duration) < 1) {
            throw new IllegalArgumentException("timeout duration must be at least 1 ms, but was " + duration);
        }
        return new Timeout(duration, Objects.requireNonNull(clock, "clock"));
    }

    /**
     * Returns the duration.
     *
     * @return the duration
     */
    public Duration duration() {
        return duration;
    }

    @Override
    public <R> CommandResult<R> decorate(Message message, @Nullable HandlerInfo handler, MessageContext context,
            Call<R> next) throws InterruptedException {
        Watchdog.Arm arm = watchdog.arm();
        CommandResult<R> result;
        try {
            result = next.call(context);
        } catch (InterruptedException e) {
            if (watchdog.disarm(arm) || context.isCancelled()) {
                throw e;
            }
            return CommandResult.failure(timedOut);
        } catch (RuntimeException | Error e) {
            watchdog.disarm(arm); // every way out disarms: a deadline left armed would interrupt a later call
            throw e;
        }
        if (watchdog.disarm(arm)) {
            return result;
        }
        if (context.isCancelled()) {
            throw new InterruptedException("the command was cancelled while it timed out");
        }
        return CommandResult.failure(timedOut);
    }

    /** The calls armed now (for tests). */
    int armedCount() {
        return watchdog.armedCount();
    }

    @Override
    public String toString() {
        return "Timeout[" + duration + "]";
    }
}
