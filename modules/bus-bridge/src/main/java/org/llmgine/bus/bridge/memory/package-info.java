/**
 * {@link org.llmgine.bus.bridge.memory.InMemoryTransport}: a transport inside one JVM with a
 * broker's partitions, groups, commits and rebalances, and knobs for its rarer behaviour.
 */
@NullMarked
package org.llmgine.bus.bridge.memory;

import org.jspecify.annotations.NullMarked;
