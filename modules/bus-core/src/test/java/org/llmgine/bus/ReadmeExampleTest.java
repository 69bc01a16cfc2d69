package org.llmgine.bus;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.llmgine.bus.message.Command;
import org.llmgine.bus.message.CommandResult;
import org.llmgine.bus.message.Event;

/**
 * The quick-start example of README.md, compiled and run. The code between the README markers
 * below must match the README's example block; {@link #readmeShowsThisExample()} checks that.
 */
final class ReadmeExampleTest {

    /** Stands in for an LLM client: blocking, as a real one would be. */
    interface Model {
        String complete(String prompt);
    }

    // README:start
    record AskModel(String prompt) implements Command<String> {}
    record TokenStreamed(String token) implements Event {}
    record AnswerReady(String answer) implements Event {}

    void chat(Model model, List<String> ui, List<AnswerReady> audit) {
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
    // README:end

    @Test
    void theExampleRuns() {
        List<String> ui = new CopyOnWriteArrayList<>();
        List<AnswerReady> audit = new CopyOnWriteArrayList<>();

        chat(prompt -> "echo " + prompt, ui, audit);

        assertEquals(List.of("thinking"), ui);
        assertEquals(List.of(new AnswerReady("echo hello")), audit);
    }

    @Test
    void theExampleReportsAFailedModelCall() {
        List<String> ui = new CopyOnWriteArrayList<>();
        List<AnswerReady> audit = new CopyOnWriteArrayList<>();

        chat(prompt -> {
            throw new IllegalStateException("model is down");
        }, ui, audit);

        assertEquals(2, ui.size());
        assertTrue(ui.contains("error: handler threw java.lang.IllegalStateException: model is down"), ui.toString());
        assertEquals(List.of(), audit);
    }

    @Test
    void readmeShowsThisExample() throws IOException {
        String source = Files.readString(Path.of("src/test/java/org/llmgine/bus/ReadmeExampleTest.java"));
        String example = source.substring(source.indexOf("// README:start") + "// README:start".length(),
                source.indexOf("    // README:end"));
        String readme = Files.readString(Path.of("../../README.md"));

        assertTrue(normalize(readme).contains(normalize(example)),
                "README.md's quick start must be the example of ReadmeExampleTest, unindented by 4 spaces");
    }

    private static String normalize(String text) {
        return text.lines().map(String::strip).filter(line -> !line.isEmpty()).reduce("", (a, b) -> a + "\n" + b);
    }
}
