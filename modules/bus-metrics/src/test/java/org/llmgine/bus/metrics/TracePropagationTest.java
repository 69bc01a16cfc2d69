package org.llmgine.bus.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import brave.Tracing;
import brave.handler.MutableSpan;
import brave.handler.SpanHandler;
import brave.propagation.ThreadLocalCurrentTraceContext;
import brave.propagation.TraceContext;
import brave.sampler.Sampler;
import io.micrometer.observation.ObservationHandler;
import io.micrometer.observation.ObservationRegistry;
import io.micrometer.tracing.brave.bridge.BraveBaggageManager;
import io.micrometer.tracing.brave.bridge.BraveCurrentTraceContext;
import io.micrometer.tracing.brave.bridge.BravePropagator;
import io.micrometer.tracing.brave.bridge.BraveTracer;
import io.micrometer.tracing.handler.DefaultTracingObservationHandler;
import io.micrometer.tracing.handler.PropagatingReceiverTracingObservationHandler;
import io.micrometer.tracing.handler.PropagatingSenderTracingObservationHandler;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.llmgine.bus.MessageBus;
import org.llmgine.bus.handler.HandlerOptions;
import org.llmgine.bus.message.Command;
import org.llmgine.bus.message.Event;
import org.llmgine.bus.message.Headers;

/**
 * The trace context in message headers, with a real tracer (Brave behind Micrometer Tracing) on the
 * observation registry: one trace id across a command, the event its handler publishes and that
 * event's handler, the sender's span context in the event's headers, and a handler continuing the
 * trace of headers that came from elsewhere (another bus, as from another process).
 */
final class TracePropagationTest {

    record Plan(String goal) implements Command<String> {}

    record StepDone(String step) implements Event {}

    private final List<MutableSpan> spans = new CopyOnWriteArrayList<>();
    private final Tracing tracing = Tracing.newBuilder()
            .currentTraceContext(ThreadLocalCurrentTraceContext.newBuilder().build())
            .sampler(Sampler.ALWAYS_SAMPLE)
            .addSpanHandler(new SpanHandler() {
                @Override
                public boolean end(TraceContext context, MutableSpan span, Cause cause) {
                    spans.add(span);
                    return true;
                }
            })
            .build();

    private ObservationRegistry tracedRegistry() {
        var tracer = new BraveTracer(tracing.tracer(), new BraveCurrentTraceContext(tracing.currentTraceContext()),
                new BraveBaggageManager());
        var propagator = new BravePropagator(tracing);
        ObservationRegistry registry = ObservationRegistry.create();
        registry.observationConfig().observationHandler(new ObservationHandler.FirstMatchingCompositeObservationHandler(
                new PropagatingSenderTracingObservationHandler<>(tracer, propagator),
                new PropagatingReceiverTracingObservationHandler<>(tracer, propagator),
                new DefaultTracingObservationHandler(tracer)));
        return registry;
    }

    @AfterEach
    void closeTracing() {
        tracing.close();
    }

    private MutableSpan span(String name) {
        List<MutableSpan> named = spans.stream().filter(s -> name.equals(s.name())).toList();
        assertEquals(1, named.size(), () -> "one span named " + name + " in " + spans);
        return named.get(0);
    }

    @Test
    void aCommand_itsEvent_andTheirHandlers_shareOneTraceId_carriedInTheEventsHeaders() throws Exception {
        Map<String, Headers> received = new ConcurrentHashMap<>();
        try (MessageBus bus = new BusObservations(tracedRegistry()).installOn(MessageBus.builder().name("traced"))
                .start()) {
            bus.registerEventHandler(StepDone.class, HandlerOptions.named("progress"),
                    (event, ctx) -> received.put(event.step(), ctx.headers()));
            bus.registerCommand(Plan.class, (cmd, ctx) -> {
                ctx.publish(new StepDone("research"));
                return "planned " + cmd.goal();
            });
            assertEquals("planned trip", bus.openSession("chat-1").execute(new Plan("trip")).orThrow());
            assertTrue(bus.awaitIdle(Duration.ofSeconds(10)));
        }
        // every span ends before the bus is idle: a handler's span ends before its event settles
        assertEquals(4, spans.size(), () -> "execute, handle Plan, publish StepDone, handle StepDone: " + spans);
        String traceId = span("llmgine.execute").traceId();
        assertTrue(spans.stream().allMatch(s -> traceId.equals(s.traceId())), () -> "one trace: " + spans);

        MutableSpan publish = span("llmgine.publish");
        Map<String, String> headers = received.get("research").asMap();
        assertTrue(headers.containsValue(traceId), () -> "the trace id travels in the headers: " + headers);
        assertTrue(headers.containsValue(publish.id()), () -> "as the publish span's context: " + headers);
        assertEquals(brave.Span.Kind.PRODUCER, publish.kind());
        assertTrue(spans.stream().filter(s -> "llmgine.handle".equals(s.name()))
                .allMatch(s -> s.kind() == brave.Span.Kind.CONSUMER), () -> "handlers consume: " + spans);
    }

    @Test
    void aScheduledEvent_continuesTheTrace_throughItsHeadersAlone() throws Exception {
        Map<String, Headers> received = new ConcurrentHashMap<>();
        try (MessageBus bus = new BusObservations(tracedRegistry()).installOn(MessageBus.builder().name("reminders"))
                .start()) {
            bus.registerEventHandler(StepDone.class, HandlerOptions.named("reminder"),
                    (event, ctx) -> received.put(event.step(), ctx.headers()));
            bus.registerCommand(Plan.class, (cmd, ctx) -> {
                // due at once, but published later by the bus's timer thread, where no span is current
                ctx.schedule(new StepDone("remind"), Duration.ZERO);
                return "scheduled";
            });
            assertEquals("scheduled", bus.execute(new Plan("later")).orThrow());
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (!received.containsKey("remind")) {
                assertTrue(System.nanoTime() < deadline, "the reminder's handler ran within 10 s");
                Thread.onSpinWait();
            }
            assertTrue(bus.awaitIdle(Duration.ofSeconds(10)));
        }
        MutableSpan execute = span("llmgine.execute");
        MutableSpan reminder = spans.stream().filter(s -> "reminder".equals(s.tag("handler"))).findFirst()
                .orElseThrow(() -> new AssertionError("no span of the reminder's handler in " + spans));
        assertEquals(execute.traceId(), reminder.traceId(), () -> "one trace: " + spans);
        assertEquals(execute.id(), reminder.parentId(),
                "the reminder carries the command's headers, so its handler is a child of the execution");
        assertEquals(0, spans.stream().filter(s -> "llmgine.publish".equals(s.name())).count(),
                () -> "a due event is not sent by anyone traced: no publish span of its own; " + spans);
    }
}
