package org.llmgine.bus.handler;

/**
 * The context a {@link CommandHandler} receives: the execution's envelope, its cancellation signal
 * and deadline. Events published through it land in the command's session.
 */
public interface CommandContext extends MessageContext {

    @Override
    CommandContext withAttempt(int attempt);
}
