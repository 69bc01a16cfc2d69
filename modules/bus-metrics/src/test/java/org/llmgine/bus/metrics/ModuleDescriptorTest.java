package org.llmgine.bus.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.module.ModuleDescriptor;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** The module exports only its API, opens nothing, and requires the bus and Micrometer transitively. */
final class ModuleDescriptorTest {

    private final Module module = BusMetrics.class.getModule();

    @Test
    void runsAsANamedModule_exportingOnlyItsApi() {
        assertTrue(module.isNamed(), "tests run on the module path");
        ModuleDescriptor descriptor = module.getDescriptor();
        assertEquals("org.llmgine.bus.metrics", descriptor.name());
        assertEquals(Set.of("org.llmgine.bus.metrics"),
                descriptor.exports().stream().map(ModuleDescriptor.Exports::source).collect(Collectors.toSet()));
        assertTrue(descriptor.opens().isEmpty());
    }

    @Test
    void requiresTheBusAndMicrometerTransitively_jfr_andJspecifyAtCompileTimeOnly() {
        Set<String> requires = module.getDescriptor().requires().stream()
                .filter(r -> !r.name().equals("java.base"))
                .map(r -> r.name() + r.modifiers().stream().map(m -> " " + m.name().toLowerCase(java.util.Locale.ROOT))
                        .sorted().collect(Collectors.joining()))
                .collect(Collectors.toSet());
        assertEquals(Set.of("org.llmgine.bus transitive", "micrometer.core transitive", "jdk.jfr",
                "micrometer.observation transitive", "micrometer.commons transitive",
                "org.llmgine.bus.resilience static transitive", "org.jspecify static transitive"), requires);
    }
}
