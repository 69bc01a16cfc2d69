package org.llmgine.bus.message;

/**
 * A request for one thing to be done, answered by exactly one handler with a result of type
 * {@code R}.
 *
 * <p>Declare commands as records: {@code record AskModel(String prompt) implements Command<String> {}}.
 * A command without a value declares {@code Command<Void>}: its handler returns null and the result
 * is {@link CommandResult#done()}. The bus reads that from the class's declared type argument, so a
 * generic command class used as {@code Command<Void>} through a type variable
 * ({@code record Wrapper<T>(...) implements Command<T>}) is not recognised: its null fails as
 * {@code HandlerThrew}; declare a class of its own for it.
 * Commands are looked up by their exact class: a handler registered for {@code AskModel} does not
 * receive a subclass. Executing a command always yields a {@link CommandResult}, never null.
 *
 * @param <R> the type of the value a successful execution produces
 */
public non-sealed interface Command<R> extends Message {
}
