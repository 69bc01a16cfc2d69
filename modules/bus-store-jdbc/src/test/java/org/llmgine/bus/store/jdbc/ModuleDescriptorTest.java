package org.llmgine.bus.store.jdbc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.module.ModuleDescriptor;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** The module exports only its API, opens nothing, and requires what its signatures use. */
final class ModuleDescriptorTest {

    private final Module module = JdbcStores.class.getModule();

    @Test
    void isANamedModule_exportingOnlyItsApi() {
        assertTrue(module.isNamed(), "the tests run on the module path");
        ModuleDescriptor descriptor = module.getDescriptor();
        assertEquals("org.llmgine.bus.store.jdbc", descriptor.name());
        assertEquals(Set.of("org.llmgine.bus.store.jdbc"),
                descriptor.exports().stream().map(ModuleDescriptor.Exports::source).collect(Collectors.toSet()));
        assertFalse(descriptor.isOpen());
        assertTrue(descriptor.opens().isEmpty());
    }

    @Test
    void requiresTheBusTheCodecAndJdbc_andTheResilienceModuleOnlyStatically() {
        Set<String> requires = module.getDescriptor().requires().stream()
                .filter(r -> !r.modifiers().contains(ModuleDescriptor.Requires.Modifier.MANDATED))
                .map(r -> r.name() + (r.modifiers().contains(ModuleDescriptor.Requires.Modifier.STATIC) ? " static" : "")
                        + (r.modifiers().contains(ModuleDescriptor.Requires.Modifier.TRANSITIVE) ? " transitive" : ""))
                .collect(Collectors.toSet());
        assertEquals(Set.of("org.llmgine.bus transitive", "org.llmgine.bus.codec transitive", "java.sql transitive",
                "org.llmgine.bus.resilience static transitive", "org.jspecify static transitive"), requires);
    }

    @Test
    void shipsTheDdlOfEveryDialect() {
        for (Dialect dialect : Dialect.values()) {
            assertFalse(Schema.statements(dialect, "llmgine_").isEmpty(), dialect + " has DDL");
            assertTrue(Schema.statements(dialect, "x_").stream().allMatch(st -> !st.contains("${prefix}")),
                    "the prefix is filled in");
        }
    }
}
