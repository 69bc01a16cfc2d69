package org.llmgine.bus.spi;

import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.llmgine.bus.message.MessageId;

/**
 * The one shape of every durable store of the bus (scheduled events here; dead letters and the
 * outbox in later modules): an entry is added when its work is created, with a stable id; claimed
 * with a lease by the instance that will do the work (so two instances sharing a store never both
 * do it, and a dead instance's claim lapses); completed when done or cancelled when withdrawn; and
 * whatever is still pending is loaded when a bus starts. Entries can be found by id and listed by
 * session.
 *
 * <p>Every call is a write-through: it returns once the store holds the change. Implementations are
 * thread-safe. A call that throws is never swallowed by the bus: it fails the operation that made it
 * (for {@link #add}) or is counted and logged at ERROR with the entry's id.
 *
 * @param <E> the entry type
 */
public interface WriteThroughStore<E extends StoredEntry> {

    /**
     * Adds an entry.
     *
     * @param entry the entry; its id is not in the store yet
     * @throws Exception if it could not be stored
     */
    void add(E entry) throws Exception;

    /**
     * Claims a pending entry for {@code owner} until {@code until}: succeeds if the entry is pending
     * and unclaimed, claimed by {@code owner} already, or its last claim lapsed before {@code now}.
     *
     * @param id the entry
     * @param owner the claiming bus instance ({@code MessageBus#instanceId()})
     * @param now the claimer's time
     * @param until when the claim lapses
     * @return true if {@code owner} holds the claim now
     * @throws Exception if the store could not be reached
     */
    boolean claim(MessageId id, UUID owner, Instant now, Instant until) throws Exception;

    /**
     * Marks an entry done: it is no longer pending.
     *
     * @param id the entry
     * @throws Exception if the store could not be reached
     */
    void complete(MessageId id) throws Exception;

    /**
     * Withdraws a pending entry.
     *
     * @param id the entry
     * @return true if it was pending and is now cancelled
     * @throws Exception if the store could not be reached
     */
    boolean cancel(MessageId id) throws Exception;

    /**
     * Returns every pending entry (claimed or not), for a starting bus.
     *
     * @return the entries, in any order
     * @throws Exception if the store could not be read
     */
    List<E> pending() throws Exception;

    /**
     * Finds a pending entry by id.
     *
     * @param id the entry
     * @return the entry, or empty if it is not pending
     * @throws Exception if the store could not be read
     */
    Optional<E> find(MessageId id) throws Exception;

    /**
     * Lists the pending entries of a session.
     *
     * @param sessionId the session id
     * @return the entries, in any order
     * @throws Exception if the store could not be read
     */
    List<E> bySession(String sessionId) throws Exception;
}
