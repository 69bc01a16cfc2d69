package org.llmgine.bus.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationHandler;
import io.micrometer.observation.ObservationView;
import io.micrometer.observation.tck.TestObservationRegistry;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.llmgine.bus.MessageBus;
import org.llmgine.bus.handler.HandlerOptions;
import org.llmgine.bus.message.Command;
import org.llmgine.bus.message.Event;

/** One trace across a command and the events its handler publishes, in a test observation registry. */
final class BusObservationsTest {

    record Plan(String goal) implements Command<String> {}

    record StepDone(String step) implements Event {}

    /** Keeps every stopped observation's context, in stop order. */
    private static final class Stopped implements ObservationHandler<Observation.Context> {
        final List<Observation.Context> contexts = new CopyOnWriteArrayList<>();

        @Override
        public boolean supportsContext(Observation.Context context) {
            return true;
        }

        @Override
        public void onStop(Observation.Context context) {
            contexts.add(context);
        }
    }

    private static Observation.@Nullable ContextView parent(Observation.ContextView context) {
        ObservationView parent = context.getParentObservation();
        return parent == null ? null : parent.getContextView();
    }

    private static String key(Observation.ContextView context, String key) {
        var value = context.getLowCardinalityKeyValue(key);
        return value == null ? "" : value.getValue();
    }

    @Test
    void aCommand_theEventsItsHandlerPublishes_andTheirHandlers_formOneTree() throws Exception {
        var registry = TestObservationRegistry.create();
        var stopped = new Stopped();
        registry.observationConfig().observationHandler(stopped);
        try (MessageBus bus = new BusObservations(registry).installOn(MessageBus.builder().name("traced")).start()) {
            bus.registerEventHandler(StepDone.class, HandlerOptions.named("progress"), (event, ctx) -> { });
            bus.registerCommand(Plan.class, (cmd, ctx) -> {
                ctx.publish(new StepDone("research"));
                return "planned " + cmd.goal();
            });
            var session = bus.openSession("chat-1");
            assertEquals("planned trip", session.execute(new Plan("trip")).orThrow());
            assertTrue(bus.awaitIdle(Duration.ofSeconds(10)));
        }

        Observation.Context execute = only(stopped, "llmgine.execute", "Plan");
        Observation.Context commandHandle = only(stopped, "llmgine.handle", "Plan");
        Observation.Context publish = only(stopped, "llmgine.publish", "StepDone");
        Observation.Context eventHandle = only(stopped, "llmgine.handle", "StepDone");

        assertEquals(execute, parent(commandHandle), "the command's handler runs inside its execution");
        assertEquals(commandHandle, parent(publish), "the event was published from inside the command's handler");
        assertEquals(publish, parent(eventHandle), "the event's handler runs inside its publish");
        assertEquals("progress", key(eventHandle, "handler"));
        assertEquals("success", key(execute, "outcome"));
        var session = execute.getHighCardinalityKeyValue("session");
        assertNotNull(session);
        assertEquals("chat-1", session.getValue(), "the session only as a high-cardinality key");
        assertTrue(execute.getLowCardinalityKeyValues().stream().noneMatch(kv -> kv.getKey().equals("session")));
    }

    private static Observation.Context only(Stopped stopped, String name, String type) {
        List<Observation.Context> found = stopped.contexts.stream()
                .filter(c -> c.getName().equals(name) && key(c, "type").equals(type)).toList();
        assertEquals(1, found.size(), name + " of " + type + " in " + stopped.contexts);
        return found.get(0);
    }
}
