package org.llmgine.bus.codec;

import org.jspecify.annotations.Nullable;
import org.llmgine.bus.message.CommandResult;
import org.llmgine.bus.message.FailureCause;
import org.llmgine.bus.message.Headers;
import org.llmgine.bus.message.Message;

/**
 * Turns messages, headers and failure causes into text and back, for stores and transports. A
 * message is written under the type id its class was registered with (never its class name, so
 * classes can move and rename), and read back only by a codec that knows the id. Implementations
 * are thread-safe. Encoding a value the codec cannot write throws; decoding never throws for bad
 * input, it returns a {@link Decoded} failure, so a reader can keep and report what it cannot read.
 */
public interface MessageCodec {

    /**
     * Encodes a message.
     *
     * @param message the event or command
     * @return its type id and payload
     * @throws CodecException if its class has no type id, or it cannot be written
     */
    Encoded encode(Message message);

    /**
     * Decodes a message.
     *
     * @param typeId the type id it was written under
     * @param payload its payload
     * @return the message, {@link Decoded.UnknownType} or {@link Decoded.Unreadable}
     */
    Decoded<Message> decode(String typeId, String payload);

    /**
     * Encodes headers.
     *
     * @param headers the headers
     * @return their text
     */
    String encodeHeaders(Headers headers);

    /**
     * Decodes headers.
     *
     * @param text what {@link #encodeHeaders} wrote
     * @return the headers, or {@link Decoded.Unreadable} (type id {@code headers})
     */
    Decoded<Headers> decodeHeaders(String text);

    /**
     * Encodes a failure cause: every cause of the bus and the resilience module, a thrown error as
     * its class name, message and stack trace, and an {@link FailureCause.Other} of a registered type.
     *
     * @param cause the cause
     * @return its text
     * @throws CodecException if it is an {@code Other} whose class has no type id
     */
    String encodeCause(FailureCause cause);

    /**
     * Decodes a failure cause. A thrown error comes back as a {@link RestoredThrowable} with the
     * original class name, message and stack trace.
     *
     * @param text what {@link #encodeCause} wrote
     * @return the cause, {@link Decoded.UnknownType} or {@link Decoded.Unreadable} (type id
     *     {@code cause})
     */
    Decoded<FailureCause> decodeCause(String text);

    /**
     * Encodes a command's result, for a command executed on another instance: a success's value
     * (null, a {@code String}, {@code Boolean}, {@code Integer}, {@code Long}, {@code Double}, or a
     * record registered with the codec) or a failure's cause.
     *
     * @param result the result
     * @return its text
     * @throws CodecException if the value's class has no type id, or a cause cannot be encoded
     */
    String encodeResult(CommandResult<?> result);

    /**
     * Decodes a command's result.
     *
     * @param text what {@link #encodeResult} wrote
     * @return the result, {@link Decoded.UnknownType} for a value or cause type this codec does not
     *     know, or {@link Decoded.Unreadable} (type id {@code result} or the value's)
     */
    Decoded<CommandResult<@Nullable Object>> decodeResult(String text);
}
