package org.llmgine.bus.bridge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.module.ModuleDescriptor;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** The module exports its API, SPI and in-memory transport, not its implementation, and opens nothing. */
final class ModuleDescriptorTest {

    private final Module module = Bridge.class.getModule();

    @Test
    void exportsTheApiTheSpiAndTheInMemoryTransport_only() {
        assertTrue(module.isNamed(), "the tests run on the module path");
        ModuleDescriptor descriptor = module.getDescriptor();
        assertEquals("org.llmgine.bus.bridge", descriptor.name());
        assertEquals(Set.of("org.llmgine.bus.bridge", "org.llmgine.bus.bridge.spi", "org.llmgine.bus.bridge.memory"),
                descriptor.exports().stream().map(ModuleDescriptor.Exports::source).collect(Collectors.toSet()));
        assertTrue(descriptor.packages().contains("org.llmgine.bus.bridge.internal"));
        assertFalse(descriptor.isOpen());
        assertTrue(descriptor.opens().isEmpty());
    }

    @Test
    void requiresTheBusAndTheCodec_andTheStoreModuleOnlyStatically() {
        Set<String> requires = module.getDescriptor().requires().stream()
                .filter(r -> !r.modifiers().contains(ModuleDescriptor.Requires.Modifier.MANDATED))
                .map(r -> r.name() + (r.modifiers().contains(ModuleDescriptor.Requires.Modifier.STATIC) ? " static" : "")
                        + (r.modifiers().contains(ModuleDescriptor.Requires.Modifier.TRANSITIVE) ? " transitive" : ""))
                .collect(Collectors.toSet());
        assertEquals(Set.of("org.llmgine.bus transitive", "org.llmgine.bus.codec transitive",
                "org.llmgine.bus.store.jdbc static transitive", "org.jspecify static transitive"), requires);
    }
}
