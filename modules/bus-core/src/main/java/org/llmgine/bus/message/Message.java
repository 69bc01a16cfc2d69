package org.llmgine.bus.message;

/**
 * A message carried by the bus: either a {@link Command} or an {@link Event}.
 *
 * <p>The hierarchy is sealed at this level so code can tell the two kinds apart exhaustively;
 * {@code Command} and {@code Event} themselves are open for user records.
 */
public sealed interface Message permits Command, Event {
}
