package org.llmgine.bus.resilience;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.module.ModuleDescriptor;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** The module exports exactly its API package, opens nothing, and requires only the bus. */
final class ModuleDescriptorTest {

    private final Module module = RetryPolicy.class.getModule();

    @Test
    void runsAsANamedModule_exportingOnlyItsApi() {
        assertTrue(module.isNamed(), "tests must run on the module path");
        ModuleDescriptor descriptor = module.getDescriptor();
        assertEquals("org.llmgine.bus.resilience", descriptor.name());
        assertEquals(Set.of("org.llmgine.bus.resilience"),
                descriptor.exports().stream().map(ModuleDescriptor.Exports::source).collect(Collectors.toSet()));
        assertTrue(descriptor.exports().stream().noneMatch(ModuleDescriptor.Exports::isQualified));
        assertFalse(descriptor.isOpen());
        assertTrue(descriptor.opens().isEmpty());
    }

    @Test
    void requiresTheBusTransitively_jfr_andJspecifyAtCompileTimeOnly() {
        Set<String> requires = module.getDescriptor().requires().stream()
                .filter(r -> !r.name().equals("java.base"))
                .map(r -> (r.name() + " " + r.modifiers().stream().map(m -> m.name().toLowerCase())
                        .sorted().collect(Collectors.joining(" "))).strip())
                .collect(Collectors.toSet());
        assertEquals(Set.of("org.llmgine.bus transitive", "org.jspecify static transitive", "jdk.jfr"), requires);
    }
}
