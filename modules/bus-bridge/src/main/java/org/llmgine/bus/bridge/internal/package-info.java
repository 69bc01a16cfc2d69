/** The bridge's implementation: its outbound and inbound sides. Not exported. */
@NullMarked
package org.llmgine.bus.bridge.internal;

import org.jspecify.annotations.NullMarked;
