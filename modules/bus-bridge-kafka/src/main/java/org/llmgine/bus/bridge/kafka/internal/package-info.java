/** The Kafka transport's consumer loop and per-partition commit tracking. Not exported. */
@NullMarked
package org.llmgine.bus.bridge.kafka.internal;

import org.jspecify.annotations.NullMarked;
