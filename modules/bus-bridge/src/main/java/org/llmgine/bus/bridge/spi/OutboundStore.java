package org.llmgine.bus.bridge.spi;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.llmgine.bus.message.MessageId;

/**
 * Where the bridge keeps the events it accepted for sending until the transport acknowledged them:
 * a bounded buffer in memory by default (lost with the process, its overflow counted), or an
 * outbox table ({@code org.llmgine.bus.bridge.JdbcOutboundStore} over the store module's
 * {@code JdbcOutbox}: written when accepted, completed on acknowledgement, claimed again by any
 * instance once a sender's lease lapses). The bridge's sender is its only reader per instance.
 */
public interface OutboundStore {

    /**
     * Keeps a message to send.
     *
     * @param message the message
     * @return false if there is no room (the bridge counts and logs an overflow)
     * @throws Exception if it could not be stored (the bridge counts and logs it)
     */
    boolean add(OutboundMessage message) throws Exception;

    /**
     * Claims up to {@code limit} messages to send, in the order they were added, waiting up to
     * {@code wait} for the first.
     *
     * @param owner the sending instance
     * @param now the sender's time
     * @param until when the claim lapses (another instance may send the messages after that)
     * @param limit at most this many
     * @param wait how long to wait for the first message
     * @return the messages, possibly none
     * @throws Exception if the store could not be read
     * @throws InterruptedException if interrupted while waiting
     */
    List<OutboundMessage> claim(UUID owner, Instant now, Instant until, int limit, Duration wait) throws Exception;

    /**
     * Marks messages acknowledged by the transport.
     *
     * @param ids the messages
     * @throws Exception if the store could not be written
     */
    void completed(List<MessageId> ids) throws Exception;

    /**
     * Reports a failed send: the message is claimable again from {@code retryAt}, or abandoned once
     * its attempts are used up.
     *
     * @param message the message
     * @param owner the sending instance
     * @param error why
     * @param retryAt when it may be tried again
     * @return true if the message is abandoned: its attempts are used up, it is not sent again
     * @throws Exception if the store could not be written
     */
    boolean failed(OutboundMessage message, UUID owner, String error, Instant retryAt) throws Exception;

    /**
     * Tells whether messages survive the process.
     *
     * @return true for an outbox table
     */
    boolean durable();
}
