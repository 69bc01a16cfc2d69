package org.llmgine.bus.handler;

/**
 * The context a {@link CommandHandler} receives: the execution's envelope. Events published
 * through it land in the command's session.
 */
public interface CommandContext extends MessageContext {
}
