package org.llmgine.bus.internal;

import org.llmgine.bus.base.Checks;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.LongAdder;
import org.jspecify.annotations.Nullable;
import org.llmgine.bus.PendingApproval;
import org.llmgine.bus.message.ApprovalCommand;
import org.llmgine.bus.message.ApprovalDecided;
import org.llmgine.bus.message.ApprovalDecided.Decision;
import org.llmgine.bus.message.ApprovalRequested;
import org.llmgine.bus.message.CommandResult;
import org.llmgine.bus.message.FailureCause;
import org.llmgine.bus.message.Headers;
import org.llmgine.bus.message.MessageId;

/**
 * Approval requests of one bus. A command run that needs approval registers a request, publishes
 * ApprovalRequested, schedules its expiry on the {@link Timer}, and blocks its own virtual thread on
 * a future until one decision arrives: approve, deny, expiry, or cancellation (close, session close,
 * the caller giving up). No polling.
 *
 * <p>Concurrency: the pending map is the arbiter. Whoever removes a request from it (approve,
 * deny, the expiry task, a close) is the one decision; the others find it gone. Approve and deny of
 * a request that is no longer pending fail with a clear exception.
 */
final class Approvals {

    private record Outcome(Decision decision, @Nullable String reason) {
    }

    /** A request waiting for its decision. */
    private static final class Request {
        final PendingApproval info;
        final Lane lane;
        final CompletableFuture<Outcome> decision = new CompletableFuture<>();
        final Timer.Task expiry;

        Request(PendingApproval info, Lane lane, Approvals owner) {
            this.info = info;
            this.lane = lane;
            this.expiry = new Timer.Task(info.expiresAt()) {
                @Override
                void run() {
                    owner.decide(info.commandId(), Request.this, new Outcome(Decision.EXPIRED, null));
                }
            };
        }
    }

    private final DefaultMessageBus bus;
    private final Timer timer;
    private final InstantSource clock;
    private final Observers observers;
    private final ConcurrentHashMap<MessageId, Request> pending = new ConcurrentHashMap<>();
    /** Set (before the walk) when the bus closes; a request registered after it is cancelled at once. */
    private volatile boolean closed;
    private final LongAdder approved = new LongAdder();
    private final LongAdder denied = new LongAdder();
    private final LongAdder expired = new LongAdder();
    private final LongAdder cancelled = new LongAdder();

    Approvals(DefaultMessageBus bus, Timer timer, InstantSource clock, Observers observers) {
        this.bus = bus;
        this.timer = timer;
        this.clock = clock;
        this.observers = observers;
    }

    /**
     * Requests approval for a command run and waits for the decision, on the run's thread.
     *
     * @return null when approved (the handler may run), else the failure to return
     * @throws InterruptedException if the run is interrupted while waiting (the request is cancelled)
     */
    @Nullable CommandResult<Object> await(CommandRun run, ApprovalCommand<?> command) throws InterruptedException {
        MessageId commandId = run.messageId();
        Lane lane = run.lane;
        Headers headers = run.headers();
        String approver = Checks.notBlank("approver", command.approver());
        Duration timeout = Checks.notNegative("approvalTimeout", command.approvalTimeout());
        Instant now = clock.instant();
        Instant expiresAt = plusSaturating(now, timeout);
        var request = new Request(new PendingApproval(commandId, command, approver, lane.sessionId, now, expiresAt), lane,
                this);
        pending.put(commandId, request);
        // A close that walked the map before this put would miss the request: check after it.
        SessionImpl session = lane.session;
        if (closed) {
            decide(commandId, request, new Outcome(Decision.CANCELLED, "bus '" + bus.name() + "' is closing"));
        } else if (session != null && !session.isOpen()) {
            decide(commandId, request, new Outcome(Decision.CANCELLED, "session '" + session.id() + "' is closing"));
        }
        if (!request.decision.isDone()) {
            if (observers.active) {
                observers.approvalRequested(request.info);
            }
            if (bus.hasHandlers(lane, ApprovalRequested.class)) {
                bus.publisher().lifecycle(lane, new ApprovalRequested(commandId, command, approver, expiresAt), headers);
            }
            if (!timer.schedule(request.expiry)) {
                decide(commandId, request, new Outcome(Decision.CANCELLED, "bus '" + bus.name() + "' is closing"));
            } else if (request.decision.isDone()) {
                timer.remove(request.expiry); // decided before its expiry was scheduled
            }
        }
        Outcome outcome;
        try {
            outcome = request.decision.get();
        } catch (InterruptedException e) {
            decide(commandId, request, new Outcome(Decision.CANCELLED, "the command was cancelled while it awaited approval"));
            Outcome won = request.decision.join(); // the cancel, or a decision that came first
            if (bus.hasHandlers(lane, ApprovalDecided.class)) {
                bus.publisher().lifecycle(lane, new ApprovalDecided(commandId, command, won.decision(), won.reason()),
                        headers);
            }
            throw e;
        } catch (ExecutionException e) {
            throw new IllegalStateException("approval future completed exceptionally, which never happens", e);
        }
        if (bus.hasHandlers(lane, ApprovalDecided.class)) {
            bus.publisher().lifecycle(lane, new ApprovalDecided(commandId, command, outcome.decision(), outcome.reason()),
                    headers);
        }
        return switch (outcome.decision()) {
            case APPROVED -> null;
            case DENIED -> CommandResult.failure(new FailureCause.ApprovalDenied(Objects.requireNonNull(outcome.reason())));
            case EXPIRED -> CommandResult.failure(new FailureCause.ApprovalExpired(expiresAt));
            case CANCELLED -> CommandResult.failure(new FailureCause.Cancelled(Objects.requireNonNull(outcome.reason())));
        };
    }

    private static Instant plusSaturating(Instant now, Duration timeout) {
        try {
            return now.plus(timeout);
        } catch (ArithmeticException | java.time.DateTimeException e) {
            return Instant.MAX;
        }
    }

    void approve(MessageId commandId) {
        decide(commandId, null, new Outcome(Decision.APPROVED, null));
    }

    void deny(MessageId commandId, String reason) {
        Checks.notBlank("reason", reason);
        decide(commandId, null, new Outcome(Decision.DENIED, reason));
    }

    /**
     * Records one decision: removes the request (the given one, or whatever is pending under the id)
     * and completes its future. An approve or deny of an id that is not pending throws; an expiry or
     * cancellation that lost the race does nothing.
     *
     * @return true if this call made the decision
     */
    private boolean decide(MessageId commandId, @Nullable Request expected, Outcome outcome) {
        java.util.Objects.requireNonNull(commandId, "commandId");
        Request request = expected == null ? pending.remove(commandId) : pending.remove(commandId, expected)
                ? expected : null;
        if (request == null) {
            if (expected == null) {
                throw new IllegalArgumentException("no pending approval for command id " + commandId + " on bus '"
                        + bus.name() + "': unknown, or already decided, expired or cancelled");
            }
            return false;
        }
        timer.remove(request.expiry);
        switch (outcome.decision()) {
            case APPROVED -> approved.increment();
            case DENIED -> denied.increment();
            case EXPIRED -> expired.increment();
            case CANCELLED -> cancelled.increment();
        }
        if (observers.active) {
            observers.approvalDecided(request.info, outcome.decision());
        }
        request.decision.complete(outcome);
        return true;
    }

    /** Cancels every pending request of a lane (its session is closing); returns how many. */
    int cancelLane(Lane lane, String reason) {
        int[] count = {0};
        pending.forEach((id, request) -> {
            if (request.lane == lane && decide(id, request, new Outcome(Decision.CANCELLED, reason))) {
                count[0]++;
            }
        });
        return count[0];
    }

    /** Cancels every pending request, and every one registered from now on (the bus is closing). */
    void cancelAll(String reason) {
        closed = true;
        pending.forEach((id, request) -> {
            decide(id, request, new Outcome(Decision.CANCELLED, reason));
        });
    }

    List<PendingApproval> list() {
        return pending.values().stream().map(r -> r.info).sorted(Comparator.comparing(PendingApproval::commandId))
                .toList();
    }

    int pendingCount() {
        return pending.size();
    }

    long approved() {
        return approved.sum();
    }

    long denied() {
        return denied.sum();
    }

    long expired() {
        return expired.sum();
    }

    long cancelled() {
        return cancelled.sum();
    }
}
