/**
 * Leaf helpers shared by the API packages and the implementation (argument checks). Not exported:
 * it depends on no other package of the bus, so the API and {@code internal} can both use it
 * without a cycle between them.
 */
@NullMarked
package org.llmgine.bus.base;

import org.jspecify.annotations.NullMarked;
