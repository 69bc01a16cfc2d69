/**
 * Resilience for the bus's handlers: retry with exponential backoff and full jitter so far. Types
 * here are immutable and thread-safe unless their javadoc says otherwise.
 */
@NullMarked
package org.llmgine.bus.resilience;

import org.jspecify.annotations.NullMarked;
