/** {@link org.llmgine.bus.bridge.kafka.KafkaTransport}: the bridge's transport over Apache Kafka. */
@NullMarked
package org.llmgine.bus.bridge.kafka;

import org.jspecify.annotations.NullMarked;
