/**
 * Event filters: predicates that run at {@code publish}, before an event is queued. A declined
 * event is counted as filtered, reported to the publisher as
 * {@link org.llmgine.bus.PublishOutcome.Filtered} with the filter's name, and reaches no handler.
 *
 * <p>{@link org.llmgine.bus.filter.Filters} builds the common ones: by type (exact or with
 * subtypes), by session, by class-name pattern, by header, composites with short-circuit AND/OR,
 * and a token-bucket {@link org.llmgine.bus.filter.RateLimitFilter}. Filters run on the publishing
 * thread and must be thread-safe. A filter that throws rejects the event
 * ({@link org.llmgine.bus.RejectionReason#FILTER_FAILED}); it never lets it through by accident.
 * Whether lifecycle events pass through filters is a bus option
 * ({@link org.llmgine.bus.MessageBus.Builder#filterLifecycleEvents(boolean)}, default false).
 */
@NullMarked
package org.llmgine.bus.filter;

import org.jspecify.annotations.NullMarked;
