package org.llmgine.bus.internal;

import java.time.Duration;
import java.util.Objects;
import org.llmgine.bus.CommandHandle;
import org.llmgine.bus.ExecuteOptions;
import org.llmgine.bus.PublishOptions;
import org.llmgine.bus.PublishOutcome;
import org.llmgine.bus.ScheduledEvent;
import org.llmgine.bus.base.Checks;
import org.llmgine.bus.message.Command;
import org.llmgine.bus.message.CommandResult;
import org.llmgine.bus.message.Event;
import org.llmgine.bus.message.Headers;

/**
 * What a handler's context does when the handler publishes, schedules or executes through it,
 * shared by the event context ({@link Delivery}) and the command context ({@link CommandRun}).
 * Every call carries the context's own {@link Binding} as the origin of the work, so its rights
 * (no wait for room while holding a slot, admission while the scope drains) and its place in
 * deadlock detection do not depend on the thread that calls.
 */
final class ContextWork {

    private ContextWork() {
    }

    /** Throws unless the context's handler is still running. */
    static void checkLive(boolean finished, Object context, String action) {
        if (finished) {
            throw new IllegalStateException("cannot " + action + " through the context of " + context
                    + ": its handler already returned; keep work inside the handler, or use the bus or session");
        }
    }

    /** Waits on the bus's timer (see {@code MessageContext.sleep}). */
    static void sleep(DefaultMessageBus bus, Duration duration) throws InterruptedException {
        Checks.notNegative("duration", duration);
        if (duration.isZero()) {
            return;
        }
        java.time.Instant due;
        try {
            due = bus.config().clock().instant().plus(duration);
        } catch (ArithmeticException | java.time.DateTimeException e) {
            due = java.time.Instant.MAX;
        }
        var task = new Sleep(due);
        Timer timer = bus.schedules().timer();
        if (!timer.schedule(task)) {
            throw new InterruptedException("bus '" + bus.name() + "' is closing: its timer no longer runs");
        }
        try {
            task.woken.get();
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.CancellationException e) {
            throw new InterruptedException("bus '" + bus.name() + "' closed while a handler slept");
        } finally {
            timer.remove(task);
        }
    }

    /** A sleeping handler's timer task: completes its future when due; the bus's close cancels it. */
    static final class Sleep extends Timer.Task {
        final java.util.concurrent.CompletableFuture<Void> woken = new java.util.concurrent.CompletableFuture<>();

        Sleep(java.time.Instant due) {
            super(due);
        }

        @Override
        void run() {
            woken.complete(null);
        }

        /** The timer stopped (the bus is closing): the sleeper wakes with an InterruptedException. */
        void cancel() {
            woken.cancel(false);
        }
    }

    static PublishOutcome publish(Lane lane, Binding origin, Headers own, Event event, PublishOptions options) {
        Objects.requireNonNull(event, "event");
        Objects.requireNonNull(options, "options");
        var refusal = lane.bus.workRefusal(lane);
        if (refusal != null) {
            return lane.bus.publisher().refused(lane, event, own.withAll(options.headers()), options.priority(), refusal,
                    "cannot publish " + event.getClass().getName()
                    + " through a context: " + (refusal == org.llmgine.bus.RejectionReason.BUS_CLOSED
                            ? "bus '" + lane.bus.name() + "' is CLOSED" : "session '" + lane.sessionId + "' is closed"));
        }
        return lane.bus.publisher().fromWork(lane, event, own.withAll(options.headers()), options.priority(), origin);
    }

    static ScheduledEvent schedule(Lane lane, Headers own, Event event, Duration delay, PublishOptions options) {
        Objects.requireNonNull(event, "event");
        Checks.notNegative("delay", delay);
        Objects.requireNonNull(options, "options");
        lane.bus.checkWorkMayContinue(lane, "schedule");
        return lane.bus.schedules().schedule(lane, event, lane.bus.config().clock().instant().plus(delay),
                new PublishOptions(own.withAll(options.headers()), options.priority()));
    }

    static <R> CommandResult<R> execute(Lane lane, Binding origin, Headers own, Command<R> command,
            ExecuteOptions options) {
        Objects.requireNonNull(command, "command");
        Objects.requireNonNull(options, "options");
        // a closed bus or session is refused by the command's admission, as Unavailable
        return lane.bus.commands().execute(lane, command, merge(own, options), origin, true);
    }

    static <R> CommandHandle<R> executeAsync(Lane lane, Binding origin, Headers own, Command<R> command,
            ExecuteOptions options) {
        Objects.requireNonNull(command, "command");
        Objects.requireNonNull(options, "options");
        return lane.bus.commands().start(lane, command, merge(own, options), origin, true);
    }

    private static ExecuteOptions merge(Headers own, ExecuteOptions options) {
        return options.withHeaders(own.withAll(options.headers()));
    }
}
