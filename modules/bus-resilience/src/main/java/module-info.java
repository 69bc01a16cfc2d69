import org.jspecify.annotations.NullMarked;

/**
 * Resilience decorators over the handlers of an {@code org.llmgine.bus} message bus: retry with
 * backoff, circuit breakers, timeouts, bulkheads, rate limiters, a dead letter queue and error
 * statistics, applied to a whole bus by a {@link org.llmgine.bus.resilience.ResiliencePolicy}.
 */
@NullMarked
module org.llmgine.bus.resilience {
    requires transitive org.llmgine.bus;
    requires static transitive org.jspecify;
    requires jdk.jfr;

    exports org.llmgine.bus.resilience;
}
