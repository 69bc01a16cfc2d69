package org.llmgine.bus.readme;

// README:start
import java.util.List;
import org.llmgine.bus.MessageBus;
import org.llmgine.bus.message.Command;
import org.llmgine.bus.message.CommandResult;
import org.llmgine.bus.message.Event;

/** The README's quick start: a chat turn on the bus. */
public final class QuickStart {

    private QuickStart() {
    }

    record AskModel(String prompt) implements Command<String> {}
    record TokenStreamed(String token) implements Event {}
    /** @param answer the model's answer */
    public record AnswerReady(String answer) implements Event {}

    /** Stands in for an LLM client: blocking, as a real one would be. */
    public interface Model {
        /** @param prompt the prompt @return the completion */
        String complete(String prompt);
    }

    /** Runs one conversation turn: @param model the model @param ui what the user sees @param audit the answers */
    public static void chat(Model model, List<String> ui, List<AnswerReady> audit) {
        try (var bus = MessageBus.builder().name("chat").queueCapacity(10_000).build()) {
            bus.registerCommand(AskModel.class, (cmd, ctx) -> {
                ctx.publish(new TokenStreamed("thinking"));   // lands in the command's session
                return model.complete(cmd.prompt());          // blocking is fine: handlers run on virtual threads
            });
            bus.subscribe(AnswerReady.class, audit::add);     // bus scope: sees every session
            bus.start();

            try (var session = bus.openSession("conversation-42")) {
                session.subscribe(TokenStreamed.class, t -> ui.add(t.token()));   // removed at close
                switch (session.execute(new AskModel("hello"))) {
                    case CommandResult.Success<String>(var answer) -> session.publish(new AnswerReady(answer));
                    case CommandResult.Failure<String>(var cause) -> ui.add("error: " + cause.describe());
                }
            }   // close waits for the session's events, then removes its handlers
        }
    }
}
// README:end
