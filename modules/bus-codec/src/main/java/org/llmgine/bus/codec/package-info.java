/**
 * The codec SPI ({@link org.llmgine.bus.codec.MessageCodec}, its results {@link org.llmgine.bus.codec.Encoded}
 * and {@link org.llmgine.bus.codec.Decoded}) and the JSON codec ({@link org.llmgine.bus.codec.JsonCodec}).
 *
 * <p>Every type here is immutable and thread-safe, except {@link org.llmgine.bus.codec.JsonCodec.Builder},
 * which is used on one thread; no method blocks. Decoding never throws for bad input: it returns a
 * {@link org.llmgine.bus.codec.Decoded} failure.
 */
@NullMarked
package org.llmgine.bus.codec;

import org.jspecify.annotations.NullMarked;
