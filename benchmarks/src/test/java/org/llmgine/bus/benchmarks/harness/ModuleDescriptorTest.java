package org.llmgine.bus.benchmarks.harness;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.module.ModuleDescriptor;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** The module exports only the peer package (for Guava), opens nothing, and requires what it should. */
final class ModuleDescriptorTest {

    private final Module module = Harness.class.getModule();

    @Test
    void runsAsANamedModule() {
        assertTrue(module.isNamed(), "tests must run on the module path");
        assertEquals("org.llmgine.bus.benchmarks", module.getName());
    }

    @Test
    void exportsOnlyThePeerPackage_unqualified() {
        ModuleDescriptor descriptor = module.getDescriptor();
        Set<String> exports = descriptor.exports().stream().map(ModuleDescriptor.Exports::source)
                .collect(Collectors.toSet());
        assertEquals(Set.of("org.llmgine.bus.benchmarks.peer"), exports);
        assertTrue(descriptor.exports().stream().noneMatch(ModuleDescriptor.Exports::isQualified));
    }

    @Test
    void opensNothing() {
        ModuleDescriptor descriptor = module.getDescriptor();
        assertFalse(descriptor.isOpen());
        assertTrue(descriptor.opens().isEmpty());
    }

    @Test
    void requiresTheBusItsStoresItsBridgeThePeersJmhAndTheJdkModulesItMeasuresWith() {
        Set<String> requires = module.getDescriptor().requires().stream()
                .filter(r -> !r.modifiers().contains(ModuleDescriptor.Requires.Modifier.MANDATED))
                .map(r -> r.name() + (r.modifiers().contains(ModuleDescriptor.Requires.Modifier.STATIC) ? " static" : "")
                        + (r.modifiers().contains(ModuleDescriptor.Requires.Modifier.TRANSITIVE) ? " transitive" : ""))
                .collect(Collectors.toSet());
        assertEquals(Set.of("org.llmgine.bus transitive", "org.llmgine.bus.resilience", "org.llmgine.bus.metrics",
                "org.llmgine.bus.codec", "org.llmgine.bus.store.jdbc", "org.llmgine.bus.bridge.kafka", "kafka.clients",
                "java.sql", "com.zaxxer.hikari", "micrometer.core",
                "micrometer.registry.prometheus", "org.jspecify static",
                "jmh.core", "com.google.common", "com.lmax.disruptor", "HdrHistogram",
                "io.github.resilience4j.circuitbreaker", "io.github.resilience4j.retry",
                "io.github.resilience4j.bulkhead", "jdk.management", "java.logging"), requires);
    }

    @Test
    void isNullMarked() {
        assertTrue(module.isAnnotationPresent(org.jspecify.annotations.NullMarked.class));
    }
}
