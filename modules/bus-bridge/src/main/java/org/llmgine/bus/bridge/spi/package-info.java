/**
 * The transport SPI of the bridge: {@link org.llmgine.bus.bridge.spi.Transport}, records, inbound
 * deliveries with their acknowledgement, and subscriptions that can be paused.
 */
@NullMarked
package org.llmgine.bus.bridge.spi;

import org.jspecify.annotations.NullMarked;
