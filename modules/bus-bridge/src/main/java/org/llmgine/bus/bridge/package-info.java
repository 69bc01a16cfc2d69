/**
 * Bridges between buses: {@link org.llmgine.bus.bridge.Bridge} sends the events its
 * {@link org.llmgine.bus.bridge.Route}s select over a transport and republishes what it
 * {@link org.llmgine.bus.bridge.Consume}s, each record once per message id, in its session.
 */
@NullMarked
package org.llmgine.bus.bridge;

import org.jspecify.annotations.NullMarked;
