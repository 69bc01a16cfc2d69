import org.jspecify.annotations.NullMarked;

/**
 * Resilience decorators over the handlers of an {@code org.llmgine.bus} message bus. So far: the
 * retry policy and its backoff ({@link org.llmgine.bus.resilience.RetryPolicy},
 * {@link org.llmgine.bus.resilience.Backoff}); circuit breakers, a dead letter queue, timeouts,
 * bulkheads and rate limits follow (issue 8).
 */
@NullMarked
module org.llmgine.bus.resilience {
    requires transitive org.llmgine.bus;
    requires static transitive org.jspecify;

    exports org.llmgine.bus.resilience;
}
