package org.llmgine.bus.bridge;

import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import org.llmgine.bus.bridge.spi.OutboundMessage;
import org.llmgine.bus.bridge.spi.OutboundStore;
import org.llmgine.bus.message.MessageId;
import org.llmgine.bus.store.jdbc.JdbcOutbox;
import org.llmgine.bus.store.jdbc.OutboxEntry;
import org.llmgine.bus.store.jdbc.OutboxState;

/**
 * The durable outbound store: the store module's {@link JdbcOutbox}. An event accepted for sending
 * is a row before its handler returns; a sender claims rows in batches with a lease ({@code SKIP
 * LOCKED} where the database has it), completes them when the transport acknowledged them, and
 * reports failures (the row is claimable again after its backoff, abandoned once its attempts are
 * used up). A sender that dies leaves its rows claimed until the lease lapses; then any instance's
 * sender takes them. Needs module {@code org.llmgine.bus.store.jdbc} on the module path.
 */
public final class JdbcOutboundStore implements OutboundStore {

    private final JdbcOutbox outbox;
    private final InstantSource clock;

    private JdbcOutboundStore(JdbcOutbox outbox, InstantSource clock) {
        this.outbox = outbox;
        this.clock = clock;
    }

    /**
     * Sends through an outbox table.
     *
     * @param outbox the outbox ({@code JdbcStores.outbox(name)})
     * @return the store
     */
    public static JdbcOutboundStore of(JdbcOutbox outbox) {
        return of(outbox, InstantSource.system());
    }

    /**
     * Sends through an outbox table, stamping rows with {@code clock}.
     *
     * @param outbox the outbox
     * @param clock the clock of the rows' creation times
     * @return the store
     */
    public static JdbcOutboundStore of(JdbcOutbox outbox, InstantSource clock) {
        return new JdbcOutboundStore(Objects.requireNonNull(outbox, "outbox"), Objects.requireNonNull(clock, "clock"));
    }

    @Override
    public boolean add(OutboundMessage message) throws Exception {
        outbox.add(OutboxEntry.of(message.id(), message.event(), message.sessionId(), message.headers(), message.topic(),
                message.key(), clock.instant()));
        return true;
    }

    @Override
    public List<OutboundMessage> claim(UUID owner, Instant now, Instant until, int limit, Duration wait) throws Exception {
        List<OutboxEntry> rows = outbox.claimBatch(owner, now, until, limit);
        if (rows.isEmpty()) {
            Thread.sleep(wait); // a poll: the table tells no one of new rows
            return List.of();
        }
        List<OutboundMessage> out = new ArrayList<>(rows.size());
        for (OutboxEntry row : rows) {
            out.add(new OutboundMessage(row.id(), row.event(), row.sessionId(), row.headers(), row.destination(),
                    row.key(), Math.max(0, row.attempts() - 1)));
        }
        return out;
    }

    @Override
    public void completed(List<MessageId> ids) throws Exception {
        outbox.completeAll(ids);
    }

    @Override
    public boolean failed(OutboundMessage message, UUID owner, String error, Instant retryAt) throws Exception {
        Optional<OutboxState> state = outbox.failed(message.id(), owner, error, retryAt);
        return state.isPresent() && state.get() == OutboxState.ABANDONED;
    }

    @Override
    public boolean durable() {
        return true;
    }

    @Override
    public String toString() {
        return "JdbcOutboundStore[" + outbox + "]";
    }
}
