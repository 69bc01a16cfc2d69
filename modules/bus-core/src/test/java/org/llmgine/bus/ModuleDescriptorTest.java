package org.llmgine.bus;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.module.ModuleDescriptor;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** The module exports exactly its API packages, opens nothing, and requires only what it should. */
final class ModuleDescriptorTest {

    private final Module module = MessageBus.class.getModule();

    @Test
    void runsAsANamedModule() {
        assertTrue(module.isNamed(), "tests must run on the module path");
        assertEquals("org.llmgine.bus", module.getName());
    }

    @Test
    void exportsExactlyTheApiPackages_unqualified() {
        ModuleDescriptor descriptor = module.getDescriptor();
        assertNotNull(descriptor);

        Set<String> exports = descriptor.exports().stream().map(ModuleDescriptor.Exports::source)
                .collect(Collectors.toSet());
        assertEquals(Set.of("org.llmgine.bus", "org.llmgine.bus.message", "org.llmgine.bus.handler",
                "org.llmgine.bus.middleware", "org.llmgine.bus.filter", "org.llmgine.bus.spi"), exports);
        assertTrue(descriptor.exports().stream().noneMatch(ModuleDescriptor.Exports::isQualified),
                "no qualified exports");
        assertFalse(exports.contains("org.llmgine.bus.internal"));
    }

    @Test
    void opensNothing() {
        ModuleDescriptor descriptor = module.getDescriptor();
        assertFalse(descriptor.isOpen());
        assertTrue(descriptor.opens().isEmpty());
    }

    @Test
    void requiresOnlyTheJdkBaseAndJspecifyAtCompileTime() {
        Set<String> requires = module.getDescriptor().requires().stream()
                .map(r -> r.name() + (r.modifiers().contains(ModuleDescriptor.Requires.Modifier.STATIC) ? " static" : "")
                        + (r.modifiers().contains(ModuleDescriptor.Requires.Modifier.TRANSITIVE) ? " transitive" : ""))
                .collect(Collectors.toSet());
        assertEquals(Set.of("java.base", "org.jspecify static transitive"), requires);
    }

    @Test
    void everyApiPackageIsNullMarked() {
        for (String pkg : module.getDescriptor().exports().stream().map(ModuleDescriptor.Exports::source).toList()) {
            Package p = module.getClassLoader().getDefinedPackage(pkg);
            assertNotNull(p, pkg);
            assertTrue(p.isAnnotationPresent(org.jspecify.annotations.NullMarked.class)
                    || module.isAnnotationPresent(org.jspecify.annotations.NullMarked.class), pkg + " is not @NullMarked");
        }
    }
}
