/**
 * Messages: {@link org.llmgine.bus.message.Command commands} that ask for one thing and get one
 * typed {@link org.llmgine.bus.message.CommandResult result}, {@link org.llmgine.bus.message.Event
 * events} that tell every interested handler that something happened, and the bus's own
 * {@link org.llmgine.bus.message.LifecycleEvent lifecycle events}.
 *
 * <p>User messages are records that implement {@link org.llmgine.bus.message.Command} or
 * {@link org.llmgine.bus.message.Event}. The bus never mutates them: metadata such as the message
 * id, session, timestamp and headers travels beside the message, in the context a handler receives.
 * All types here are immutable and safe to share between threads.
 */
@NullMarked
package org.llmgine.bus.message;

import org.jspecify.annotations.NullMarked;
