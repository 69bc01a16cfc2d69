package org.llmgine.bus;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.llmgine.bus.message.Command;
import org.llmgine.bus.message.CommandResult;
import org.llmgine.bus.message.Event;

final class SmokeTest {

    record Ask(String prompt) implements Command<String> {}

    record Said(String text) implements Event {}

    @Test
    void smoke() throws Exception {
        List<String> seen = new CopyOnWriteArrayList<>();
        try (var bus = MessageBus.builder().name("smoke").start()) {
            bus.registerCommand(Ask.class, (cmd, ctx) -> "echo " + cmd.prompt());
            bus.subscribe(Said.class, e -> seen.add(e.text()));
            assertEquals(new CommandResult.Success<>("echo hi"), bus.execute(new Ask("hi")));
            try (var session = bus.openSession("s1")) {
                session.subscribe(Said.class, e -> seen.add("s:" + e.text()));
                session.publish(new Said("one"));
            }
            bus.publish(new Said("two"));
            assertEquals(true, bus.awaitIdle(Duration.ofSeconds(5)));
            System.out.println(seen + " " + bus.stats());
        }
    }
}
