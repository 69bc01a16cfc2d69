package org.llmgine.bus;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.llmgine.bus.readme.QuickStart;
import org.llmgine.bus.readme.QuickStart.AnswerReady;

/**
 * The quick start of README.md, compiled and run: {@link QuickStart} is the README's example as a
 * complete source file (imports included, in a package of its own so it uses the public API
 * only), and {@link #readmeShowsThisExample()} checks that the README shows exactly it.
 */
final class ReadmeExampleTest {

    @Test
    void theExampleRuns() {
        List<String> ui = new CopyOnWriteArrayList<>();
        List<AnswerReady> audit = new CopyOnWriteArrayList<>();

        QuickStart.chat(prompt -> "echo " + prompt, ui, audit);

        assertEquals(List.of("thinking"), ui);
        assertEquals(List.of(new AnswerReady("echo hello")), audit);
    }

    @Test
    void theExampleReportsAFailedModelCall() {
        List<String> ui = new CopyOnWriteArrayList<>();
        List<AnswerReady> audit = new CopyOnWriteArrayList<>();

        QuickStart.chat(prompt -> {
            throw new IllegalStateException("model is down");
        }, ui, audit);

        assertEquals(2, ui.size());
        assertTrue(ui.contains("error: handler threw java.lang.IllegalStateException: model is down"), ui.toString());
        assertEquals(List.of(), audit);
    }

    @Test
    void readmeShowsThisExample() throws IOException {
        String source = Files.readString(Path.of("src/test/java/org/llmgine/bus/readme/QuickStart.java"));
        String example = source.substring(source.indexOf("// README:start") + "// README:start".length(),
                source.indexOf("// README:end"));
        String readme = Files.readString(Path.of("../../README.md"));

        assertTrue(normalize(readme).contains(normalize(example)),
                "README.md's quick start must be QuickStart.java from its imports to its last brace");
    }

    private static String normalize(String text) {
        return text.lines().map(String::strip).filter(line -> !line.isEmpty()).reduce("", (a, b) -> a + "\n" + b);
    }
}
