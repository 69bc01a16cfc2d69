package org.llmgine.bus.filter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.llmgine.bus.MessageBus;
import org.llmgine.bus.PublishOutcome;
import org.llmgine.bus.RejectionReason;
import org.llmgine.bus.message.Event;
import org.llmgine.bus.message.Headers;
import org.llmgine.bus.message.SessionStarted;

final class FiltersTest {

    sealed interface Chat extends Event permits UserMessage, ToolCall {}

    record UserMessage(String text) implements Chat {}

    record ToolCall(String tool) implements Chat {}

    record DebugTrace(String line) implements Event {}

    private static final Headers NONE = Headers.empty();

    @Test
    void types_matchesTheExactClassOnly() {
        EventFilter filter = Filters.types(UserMessage.class);

        assertTrue(filter.accept(new UserMessage("hi"), null, NONE));
        assertFalse(filter.accept(new ToolCall("search"), null, NONE));
        assertFalse(Filters.types(Chat.class).accept(new UserMessage("hi"), null, NONE));
        assertTrue(filter.name().contains("UserMessage"), filter.name());
    }

    @Test
    void typesOrSubtypes_andExcludeTypes() {
        assertTrue(Filters.typesOrSubtypes(Chat.class).accept(new ToolCall("x"), null, NONE));
        assertFalse(Filters.typesOrSubtypes(Chat.class).accept(new DebugTrace("x"), null, NONE));
        assertFalse(Filters.excludeTypes(DebugTrace.class).accept(new DebugTrace("x"), null, NONE));
        assertTrue(Filters.excludeTypes(DebugTrace.class).accept(new ToolCall("x"), null, NONE));
    }

    @Test
    void sessions_includeAndExclude_treatTheBusScopeExplicitly() {
        EventFilter include = Filters.sessions("a", "b");
        EventFilter exclude = Filters.excludeSessions("a");
        Event event = new UserMessage("x");

        assertTrue(include.accept(event, "a", NONE));
        assertFalse(include.accept(event, "c", NONE));
        assertFalse(include.accept(event, null, NONE));
        assertFalse(exclude.accept(event, "a", NONE));
        assertTrue(exclude.accept(event, "b", NONE));
        assertTrue(exclude.accept(event, null, NONE));
    }

    @Test
    void namePatterns_searchTheSimpleClassName() {
        assertTrue(Filters.namePattern(Pattern.compile("^Tool")).accept(new ToolCall("x"), null, NONE));
        assertFalse(Filters.namePattern(Pattern.compile("^Tool")).accept(new UserMessage("x"), null, NONE));
        assertFalse(Filters.excludeNamePattern(Pattern.compile("(?i)debug")).accept(new DebugTrace("x"), null, NONE));
    }

    @Test
    void headers_requireThePresenceAndValue() {
        EventFilter tenant = Filters.headerEquals("tenant", "acme");
        Event event = new UserMessage("x");

        assertTrue(tenant.accept(event, null, Headers.of("tenant", "acme")));
        assertFalse(tenant.accept(event, null, Headers.of("tenant", "other")));
        assertFalse(tenant.accept(event, null, NONE));
        assertTrue(Filters.header("model", v -> v.startsWith("gpt")).accept(event, null, Headers.of("model", "gpt-x")));
    }

    @Test
    void composites_shortCircuit() {
        var calls = new AtomicInteger();
        EventFilter counting = (event, session, headers) -> {
            calls.incrementAndGet();
            return true;
        };
        EventFilter no = (event, session, headers) -> false;
        EventFilter yes = (event, session, headers) -> true;
        Event event = new UserMessage("x");

        assertFalse(Filters.allOf(no, counting).accept(event, null, NONE));
        assertTrue(Filters.anyOf(yes, counting).accept(event, null, NONE));
        assertEquals(0, calls.get(), "a decided composite consulted another filter");
        assertTrue(Filters.allOf(yes, counting).accept(event, null, NONE));
        assertEquals(1, calls.get());
        assertTrue(Filters.not(no).accept(event, null, NONE));
    }

    @Test
    void factories_rejectBadInput_namingIt() {
        var none = assertThrows(IllegalArgumentException.class, () -> Filters.types());
        assertTrue(none.getMessage().contains("types"), none.getMessage());
        var notAnEvent = assertThrows(IllegalArgumentException.class, () -> Filters.types(String.class));
        assertTrue(notAnEvent.getMessage().contains("java.lang.String"), notAnEvent.getMessage());
        assertThrows(NullPointerException.class, () -> Filters.sessions((String) null));
        assertThrows(IllegalArgumentException.class, () -> Filters.allOf());
        assertThrows(IllegalArgumentException.class, () -> EventFilter.named(" ", (e, s, h) -> true));
    }

    @Test
    void rateLimit_belowOnePerSecond_passesTheFirstEventThenOnePerPeriod() {
        var now = new AtomicLong();
        RateLimitFilter limit = RateLimitFilter.perSecond(0.5).ticker(now::get).build();
        Event event = new UserMessage("x");

        assertTrue(limit.accept(event, "s", NONE), "the Python bus never passed anything below 1/s");
        assertFalse(limit.accept(event, "s", NONE));
        now.addAndGet(Duration.ofMillis(1_999).toNanos());
        assertFalse(limit.accept(event, "s", NONE));
        now.addAndGet(Duration.ofMillis(1).toNanos());
        assertTrue(limit.accept(event, "s", NONE));
    }

    @Test
    void rateLimit_burstAndKeys() {
        var now = new AtomicLong();
        RateLimitFilter perSession = RateLimitFilter.perSecond(10).burst(3).ticker(now::get).build();
        Event event = new UserMessage("x");

        for (int i = 0; i < 3; i++) {
            assertTrue(perSession.accept(event, "a", NONE));
        }
        assertFalse(perSession.accept(event, "a", NONE));
        assertTrue(perSession.accept(event, "b", NONE), "sessions have separate buckets");
        now.addAndGet(Duration.ofMillis(100).toNanos());
        assertTrue(perSession.accept(event, "a", NONE));

        RateLimitFilter perType = RateLimitFilter.perSecond(1).keyBy(RateLimitFilter.KeyBy.TYPE).ticker(now::get).build();
        assertTrue(perType.accept(new UserMessage("x"), "a", NONE));
        assertFalse(perType.accept(new UserMessage("y"), "b", NONE));
        assertTrue(perType.accept(new ToolCall("z"), "a", NONE));
    }

    @Test
    void rateLimit_keepsABoundedKeyMap() {
        RateLimitFilter limit = RateLimitFilter.perSecond(1).maxKeys(100).ticker(() -> 0L).build();
        for (int i = 0; i < 1_000; i++) {
            limit.accept(new UserMessage("x"), "session-" + i, NONE);
        }

        assertEquals(100, limit.trackedKeys());
        assertEquals(900, limit.evictions());
    }

    @Test
    void rateLimit_rejectsBadConfiguration() {
        assertThrows(IllegalArgumentException.class, () -> RateLimitFilter.perSecond(0));
        assertThrows(IllegalArgumentException.class, () -> RateLimitFilter.perSecond(Double.NaN));
        var burst = assertThrows(IllegalArgumentException.class, () -> RateLimitFilter.perSecond(1).burst(0));
        assertTrue(burst.getMessage().contains("burst must be positive, but was 0"), burst.getMessage());
    }

    @Test
    void onTheBus_aDeclinedEventIsCountedAndReportedWithTheFilterName() throws Exception {
        List<Event> seen = new CopyOnWriteArrayList<>();
        try (var bus = MessageBus.builder().name("filtered")
                .addFilter(Filters.excludeTypes(DebugTrace.class)).start()) {
            bus.subscribe(Event.class, seen::add);

            var outcome = assertInstanceOf(PublishOutcome.Filtered.class, bus.publish(new DebugTrace("noise")));
            bus.publish(new UserMessage("hello"));
            assertTrue(bus.awaitIdle(Duration.ofSeconds(5)));

            assertTrue(outcome.filter().contains("DebugTrace"), outcome.filter());
            assertEquals(List.of(new UserMessage("hello")), seen);
            assertEquals(1, bus.stats().events().filtered());
            assertEquals(2, bus.stats().events().published());
        }
    }

    @Test
    void onTheBus_aThrowingFilterRejectsTheEvent_neverLetsItThrough() throws Exception {
        try (var bus = MessageBus.builder().name("broken-filter")
                .addFilter(EventFilter.named("broken", (e, s, h) -> {
                    throw new IllegalStateException("filter bug");
                })).start()) {
            var outcome = assertInstanceOf(PublishOutcome.Rejected.class, bus.publish(new UserMessage("x")));

            assertEquals(RejectionReason.FILTER_FAILED, outcome.reason());
            assertTrue(outcome.detail().contains("broken"), outcome.detail());
            assertTrue(outcome.detail().contains("filter bug"), outcome.detail());
            assertEquals(1, bus.stats().events().rejected());
        }
    }

    @Test
    void lifecycleEvents_bypassFilters_unlessTheBusIsToldOtherwise() throws Exception {
        EventFilter onlyUserMessages = Filters.types(UserMessage.class);
        for (boolean filterLifecycle : new boolean[] {false, true}) {
            List<Event> seen = new CopyOnWriteArrayList<>();
            try (var bus = MessageBus.builder().name("lifecycle-" + filterLifecycle).addFilter(onlyUserMessages)
                    .filterLifecycleEvents(filterLifecycle).start()) {
                bus.subscribe(SessionStarted.class, seen::add);
                bus.openSession("s").close();
                assertTrue(bus.awaitIdle(Duration.ofSeconds(5)));
            }
            assertEquals(filterLifecycle ? 0 : 1, seen.size(), "filterLifecycleEvents=" + filterLifecycle);
        }
    }
}
